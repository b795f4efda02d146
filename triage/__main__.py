"""``python -m triage``: see :mod:`triage.cli`."""

import sys

from .cli import main

sys.exit(main())
