"""``vstarcam-push local``: the whole stack on one machine, with moto and without Docker.

Starts moto in server mode, creates the template's resources in it, serves
the template's HTTP API routes with the real handlers (each function in its
own worker processes, with the environment the template gives it), runs the
schedule and the table stream subscriptions as Lambda would, and publishes the
stack's outputs so the CLI works against it through ``AWS_ENDPOINT_URL``.

The command itself is declared in :mod:`vstarcam_tools.cli.local`;
:mod:`vstarcam_tools.local.runner` orchestrates; the emulated services, the
sockets and the terminal report are modules of their own beside it.
"""
