"""The `relais` program: `relais --version` answers at once, anything else is the command line.

The command line (relais.cli) imports the whole application — SQLAlchemy, the models, the commands —
which takes about a second; telling the version needs none of it.
"""

from __future__ import annotations

import sys

VERSION_FLAGS = (["--version"],)


def main() -> None:
    if sys.argv[1:] in VERSION_FLAGS:
        from bot import __version__  # the package's __init__ holds only the version

        print(f"relais, version {__version__}")
        return
    from relais.cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()
