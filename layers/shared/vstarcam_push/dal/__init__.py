"""The data access layer: the only place a table, the bucket or a parameter is read or
written, each store handed its client and its name.

Imported by the handlers (through the logic subpackages), the console API and the CLI.
Needs boto3 clients (a DynamoDB, S3 or SSM client) and ``models``.
"""
