"""``python -m vstarcam_tools.local``: the same as ``vstarcam-push local``."""

from __future__ import annotations

import argparse
import sys

from vstarcam_tools.cli.local import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vstarcam_tools.local", description="Run the vstarcam-push stack locally."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
