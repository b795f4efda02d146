"""``python -m triage.hubservice``: the hub's command line (:mod:`triage.cli.hub`), as the hub's configuration
and the Makefile call it."""

import sys

from ..cli.hub import main

sys.exit(main())
