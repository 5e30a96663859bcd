"""``vstarcam-push doctor``: one command that proves a deployed (or local) stack works.

Modules, one per group of checks, each check a function of a
:class:`~vstarcam_tools.doctor.context.DoctorContext` returning a
:class:`~vstarcam_tools.doctor.results.CheckResult`:

- :mod:`.stack`: the stack itself (status, outputs, template version);
- :mod:`.guards`: read-only guard rails (bucket, dead-letter queue, CloudWatch alarms,
  subscriptions and the no-spam filter, throttle, silent cameras);
- :mod:`.camera_path`: a temporary test camera's heartbeat and alarm push;
- :mod:`.derived`: the notification and the rest of the stream-derived work;
- :mod:`.probe`: creating and removing the temporary things, and leftovers;
- :mod:`.runner`: the order, and cleanup on every path.

docs/doctor.md explains each check to the operator.
"""
