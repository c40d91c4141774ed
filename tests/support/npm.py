"""`npm ci` of a test's JavaScript folder, once, into a cache keyed by its package files."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

PACKAGE_FILES = ("package.json", "package-lock.json")


class NpmFailed(RuntimeError):
    """`npm ci` ended with an error (its output is the message)."""


def npm_ci(js: Path, cache: Path, timeout: float = 600) -> Path:
    """The folder under `cache` holding `js`'s node_modules, installed from its lock file when not yet done.

    The folder is named by a hash of package.json and package-lock.json: a changed lock installs anew,
    an unchanged one costs nothing (a marker file says the install finished).
    """
    digest = hashlib.sha256(b"".join((js / name).read_bytes() for name in PACKAGE_FILES))
    folder = cache / digest.hexdigest()[:16]
    marker = folder / "node_modules" / ".relais-installed"
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        for name in PACKAGE_FILES:
            shutil.copyfile(js / name, folder / name)
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise NpmFailed(f"npm ci failed in {folder}:\n{done.stdout}\n{done.stderr}")
        marker.write_text("ok")
    return folder
