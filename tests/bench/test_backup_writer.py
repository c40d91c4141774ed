"""bench.backup_writer runs end to end on a tiny database (its figures are in docs/benchmarks.md)."""

from __future__ import annotations

import subprocess
import sys


def test_the_backup_bench_runs():
    command = [sys.executable, "-m", "bench.backup_writer", "--mb", "1", "--pages", "0", "--seconds", "5"]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.startswith("pages=all (one step): copy took "), result.stdout
    assert "commits, median" in result.stdout
