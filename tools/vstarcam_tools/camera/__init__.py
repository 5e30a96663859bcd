"""Camera tooling: talking to real cameras and acting as cameras.

- ``cgi_client``: the cameras' CGI (``get_status.cgi``, ``get_alarm_push_cfg.cgi``,
  ``set_alarm_push_cfg.cgi``), with their replies parsed.
- ``configure``: pointing a camera at the stack (check, register, set, read back);
  ``csv_import``: the cameras of a CSV file, for configuring a fleet.
- ``simulator``: cameras' heartbeats and alarm pushes against a stack
  (``vstarcam-push simulate``, the load test, the bench), with the real media in
  ``testdata/``.
- ``mediagen``: camera-like JPEGs and videos for the media tests and the bench (needs the
  ``[media]`` extra: Pillow and PyAV).

Imported by the CLI's ``cameras`` and ``simulate`` groups, the doctor, the bench and the
tests; it imports the shared layer (``vstarcam_push``) and never the CLI.
"""
