"""The domain, as plain data and rules: no boto3, no I/O.

Imported by every other subpackage, the functions and the tools. Needs only the standard
library.
"""
