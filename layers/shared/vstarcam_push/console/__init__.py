"""The web console's server side: its JSON API and the security headers of both console
functions.

Imported by the console API and console page functions. Needs ``models``, ``dal``,
``admin`` and ``media.links``.
"""
