"""`python -m kzoo ...` runs the kzoo command-line interface."""

import sys

from kzoo.cli import main

if __name__ == "__main__":
    sys.exit(main())
