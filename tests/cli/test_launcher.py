"""The `relais` program's launcher: `relais --version` answers without importing the application;
anything else is the command line itself."""

from __future__ import annotations

import subprocess
import sys

from bot import __version__

PROBE = (
    "import runpy, sys; sys.argv = ['relais', *sys.argv[1:]]; "
    "runpy.run_module('relais.launcher', run_name='__main__'); "
    "print(sorted(name for name in ('sqlalchemy', 'click', 'relais.cli', 'bot.models') if name in sys.modules))"
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60)


def test_version_imports_nothing_of_the_application():
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.splitlines() == [f"relais, version {__version__}", "[]"]


def test_everything_else_is_the_command_line():
    done = run("--help")
    assert done.returncode == 0 and "chat" in done.stdout and "run" in done.stdout
