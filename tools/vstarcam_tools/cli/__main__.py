"""``python -m vstarcam_tools.cli``: the same as ``vstarcam-push``."""

import sys

from vstarcam_tools.cli.main import main

sys.exit(main())
