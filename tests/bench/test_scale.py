"""The issue-11 benchmarks run, end to end, on a tiny community (their timings are not checked here:
docs/benchmarks.md has them, measured on the full one)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from bench import command_cpu, scale
from bot.db import make_engine
from tests.conftest import PG_URL


def run(argv: list[str]) -> str:
    said: list[str] = []
    scale.main(argv, out=said.append)
    return "\n".join(said)


def check(report: str, histories: int) -> None:
    for label in ("digest round", "recap round", "nudge round", "/level", "/unread", "during the nudge round"):
        assert label in report
    assert "4 recap posts" in report  # the tiny community's four circles
    assert ("ratio" in report) == (histories > 1)


def test_the_benchmark_runs_on_sqlite(tmp_path):
    check(run(["--small", "--histories", "1", "2", "--data", str(tmp_path)]), 2)


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL tests need RELAIS_TEST_DATABASE_URL")
def test_the_benchmark_runs_on_postgresql():
    assert PG_URL is not None
    prefix = f"bench_test_{uuid.uuid4().hex[:8]}"
    try:
        check(run(["--small", "--histories", "1", "--postgres", PG_URL, "--prefix", prefix]), 1)
    finally:
        admin = make_engine(PG_URL)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{prefix}_small_1x" CASCADE'))
        admin.dispose()


@pytest.mark.parametrize("on_postgres", [False, True], ids=["sqlite", "postgresql"])
def test_the_command_cpu_benchmark_runs(on_postgres: bool):
    if on_postgres and not PG_URL:
        pytest.skip("PostgreSQL tests need RELAIS_TEST_DATABASE_URL")
    said: list[str] = []
    result = command_cpu.main(
        ["--commands", "3", *(["--db", PG_URL] if on_postgres and PG_URL else [])], out=said.append
    )
    assert set(result) == {"process", "main", "dispatcher", "other threads"}
    assert "CPU per command" in said[0] and "| dispatcher |" in said[0]
