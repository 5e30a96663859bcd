"""Operator tooling for vstarcam-push, installed beside the shared layer, never into Lambda.

- ``cli/``: the ``vstarcam-push`` command, one module per command group (argparse and
  output); it imports the rooms below, none of them imports it.
- ``camera/``: real cameras' CGI and their configuration, the camera simulator, test media.
- ``cost/``: the cost model, with the inputs ``make bench`` measured shipped as data.
- ``doctor/``: the checks of a deployed stack (``vstarcam-push doctor``).
- ``local/``: the Docker-free local stack on moto (``make run``; the ``[local]`` extra).
- ``dev/``: developer-only tools (the bench, mutation sampling, a docs picture), left
  out of the installed package.
- ``template``, ``provision``, ``outputs``, ``events``: the stack's template read once for
  the tests, the local stack and the bench; ``arguments``, ``progress``, ``extras``,
  ``version``: what the CLI's groups share.
- ``deploy``: ``make deploy``, sam deploy with the questions only the user can answer.
"""
