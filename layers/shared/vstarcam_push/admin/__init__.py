"""Camera administration: registering, renaming, removing cameras and their URLs, with
the rules and messages the CLI and the console share.

Imported by the console API and the CLI. Needs ``models`` and ``dal``.
"""
