"""`python -m service` runs the `corespond` command line."""

import sys

from service.cli import main

sys.exit(main())
