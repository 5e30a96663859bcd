"""Shared runtime of the VStarcam alarm push receiver.

Shipped as a Lambda layer to every function, and imported the same way by the tests and
the operator tools. Its subpackages are the architecture, each importing only from the
ones listed before it:

- ``models``: what the camera protocol and the tables hold, as plain data and rules
  (errors, alarm types, cameras, alarms, media names, push keys, push events); no boto3.
- ``dal``: the data access layer, the only place a table, bucket or parameter is read or
  written (Cameras, Alarms, Destinations, Deliveries, media, secrets).
- ``runtime``: what every handler needs: settings, the HTTP event, replies and metrics,
  batch loops, the JSON logger.
- ``media``: deriving thumbnails and playable videos (Pillow, PyAV), and the email's
  media links.
- ``ingest``: the camera push paths: the protocol, multipart, the alarm intake, the
  offline sweep.
- ``delivery``: the push channels and the one delivery loop.
- ``notify``: the stream-driven notifier: texts, SNS, fan-out to the delivery queue.
- ``admin``: the camera rules the CLI and the console share.
- ``console``: the console's JSON API and its HTTP headers.

docs/architecture.md has one line per module.
"""
