"""The runtime benchmarks of issue 11 run, end to end, on tiny sizes (their timings are not checked
here: docs/benchmarks.md has them, measured at full size): a Matrix command's round trip next to
the echo bot, idle memory, and Slack HTTP mode under load next to a bare Bolt app."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import idle_memory, matrix_roundtrip, slack_load

needs_synapse = pytest.mark.skipif(
    importlib.util.find_spec("synapse") is None and not os.environ.get("RELAIS_REQUIRE_SERVERS"),
    reason="matrix-synapse is not installed: pip install -e '.[test]'",
)


@pytest.fixture(scope="module")
def homeserver(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[object]:
    """One throw-away Synapse for this module's benchmarks (its pristine database kept in pytest's cache)."""
    from tests.matrix.synapse import SynapseServer

    cache = getattr(request.config, "cache", None)
    template = Path(cache.mkdir("relais-synapse-template")) if cache is not None else None
    server = SynapseServer(tmp_path_factory.mktemp("bench-synapse"), template_dir=template, log_level="WARNING")
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


def said(run: object, argv: list[str], **options: object) -> str:
    lines: list[str] = []
    run(argv, out=lines.append, **options)  # type: ignore[operator]
    return "\n".join(lines)


@pytest.mark.matrix
@needs_synapse
def test_the_matrix_round_trip_benchmark_runs(homeserver):
    report = said(matrix_roundtrip.main, ["--commands", "2"], hs=homeserver)
    for row in ("round trip, median", "round trip, p95", "CPU per command", "echo bot (floor)", "≤ 1.2×"):
        assert row in report


@pytest.mark.matrix
@needs_synapse
def test_the_idle_memory_benchmark_runs(homeserver):
    report = said(idle_memory.main, ["--idle", "0"], hs=homeserver)
    assert "VmRSS" in report and "echo bot (floor)" in report and "1 helper" in report  # the Slack HTTP front
    assert "the same libraries imported, nothing started" in report
    assert "without Relais' own modules" in report and "not shared with other processes" in report
    assert "after a member's first 4 commands" in report


@pytest.mark.slack
def test_the_slack_load_benchmark_runs():
    report = said(slack_load.main, ["--commands", "12", "--concurrency", "3", "--users", "3", "--deadline", "60"])
    for row in ("ack p99", "throughput", "bare Bolt app (floor)", "confirmations received | 12 of 12"):
        assert row in report
