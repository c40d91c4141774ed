"""Headless Chromium (Debian's `chromium`, driven by Playwright for Python through executable_path:
no browser download) and axe-core (tests/web/js, installed once with `npm ci`).

Without Chromium the browser tests are skipped, saying why; with RELAIS_REQUIRE_SERVERS=1 (CI,
whose .ci/run installs it) they fail instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support.npm import NpmFailed, npm_ci

JS = Path(__file__).resolve().parent / "js"
CHROMIUM = os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium")
# nothing but the page under test: no updates, no sync, no first-run pages, no reporting
QUIET = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
    "--metrics-recording-only",
]


def required() -> bool:
    return os.environ.get("RELAIS_REQUIRE_SERVERS") == "1"


def skip_or_fail(why: str) -> None:
    if required():
        pytest.fail("RELAIS_REQUIRE_SERVERS=1 but " + why, pytrace=False)
    pytest.skip(why)


def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium; .ci/run does it)")
    try:
        import playwright  # noqa: F401
    except ModuleNotFoundError:
        skip_or_fail("Playwright for Python is not installed (pip install -e '.[test]')")
    return CHROMIUM


def axe_script(cache: Path) -> Path:
    """axe.min.js from the npm registry, installed once into `cache` from tests/web/js's lock file."""
    if not shutil.which("npm"):
        skip_or_fail("npm is not installed (needed for axe-core, the accessibility checker)")
    try:
        folder = npm_ci(JS, cache, timeout=300)
    except NpmFailed as failed:
        skip_or_fail(f"axe-core could not be installed: {str(failed)[-300:]}")
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    return script


def artefacts(base: Path) -> Path:
    """Where screenshots and the printed review go: RELAIS_TEST_ARTEFACTS, else pytest's temporary folder."""
    folder = Path(os.environ.get("RELAIS_TEST_ARTEFACTS", base)) / "web"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
