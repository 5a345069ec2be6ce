"""``python -m studio.cli``: the same as ``twin-studio``."""

import sys

from studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
