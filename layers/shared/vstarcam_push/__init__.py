"""Shared runtime of the VStarcam alarm push receiver.

Shipped as a Lambda layer and imported the same way by the handlers, the
tests and the operator tools. One module per concept of the camera protocol:
``protocol`` (the wire), ``alarm_types``, ``multipart``, ``media``,
``cameras`` (the registry), ``alarms`` (the alarm store), ``alarm_push``
(the alarm intake), ``sweep`` (offline detection) and ``notifications``.
"""
