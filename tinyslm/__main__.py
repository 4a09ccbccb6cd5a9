"""`python -m tinyslm ...`: the same as the `tinyslm` command."""
import sys

from .cli import main

sys.exit(main())
