from __future__ import annotations

import sys
import warnings

# SudachiPy's deprecation notices are noise on a command line's stderr.
warnings.filterwarnings("ignore", category=DeprecationWarning)

from ml.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
