"""``python -m movements.cli``: the same as the ``movements`` command."""

import sys

from movements.cli.main import main

sys.exit(main())
