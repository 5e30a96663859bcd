"""``vstarcam-push``: the operator CLI for a deployed stack or the local one.

One module per command group (``cameras``, ``alarms``, ``simulate``,
``local``, ...), each with a ``register(subparsers)`` function that adds its
parsers, calls :func:`~vstarcam_tools.cli.common.add_stack_options` on those
that talk to the stack, and sets ``handler=<function(args) -> int>`` with
``set_defaults``. :mod:`vstarcam_tools.cli.main` lists the groups, builds the
parser and turns errors into one line. What the groups share (stack access,
:class:`~vstarcam_tools.cli.common.CliError`, output helpers) is in
:mod:`vstarcam_tools.cli.common`, which imports no group, so no group module
imports another through the package.
"""
