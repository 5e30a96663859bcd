"""The web console's server side: its JSON API and the security headers of both console
functions.

``routes`` (the route table, its actions and the one error mapping), ``params`` (the
request and its parameters), ``views`` (the JSON shapes of cameras and alarms) and
``http`` (the headers and reply shape). No AWS call is made here: the stores in ``dal``
make them.

Imported by the console API and console page functions (the page function imports
``http`` only). Needs ``models``, ``dal``, ``admin``, ``ingest.protocol``,
``runtime.replies`` and ``media.links``.
"""
