"""`python -m rnnlab`, the same as the `rnnlab` command (and the entry point torchrun uses)."""

import sys

from rnnlab.cli import main

if __name__ == "__main__":
    sys.exit(main())
