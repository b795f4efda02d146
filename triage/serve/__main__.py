"""``python -m triage.serve``: the same as ``python -m triage serve``."""

import sys

from .app import main

sys.exit(main())
