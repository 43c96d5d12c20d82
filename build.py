"""The documented entry of the build: `python build.py [--full]` (same as `decant build`).

The build itself is the package decant.site; this file is not installed as a module.
"""

import sys

from decant.site.run import cli

if __name__ == "__main__":
    sys.exit(cli())
