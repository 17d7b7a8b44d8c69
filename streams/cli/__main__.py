"""`python -m streams.cli`: the `carepulse` command."""

import sys

from streams.cli.main import main

sys.exit(main())
