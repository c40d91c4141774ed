"""The recap chart is drawn in a process of its own (bot.posts.chart_draw), so that Pillow's 6 to 8.5 MB
never stay in Relais: the same PNG as drawn here, Pillow not imported by the process that asks, and the
drawer gone once it has had nothing to draw for its idle time (started again for the next chart)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.posts.chart_draw import Drawer, draw
from tests.support.waiting import eventually

pytest.importorskip("PIL")

SPEC = {
    "title": "COPIL — 23 nov. au 30 nov.",
    "rows": [["Fait cette semaine", 3, "#009E73"], ["En retard", 2, "#D55E00"], ["En cours, à l’heure", 7, "#0072B2"]],
    "reading": "Lectures confirmées (4 semaines)",
    "acked": 40,
    "total": 55,
    "share": "73\u00a0%",
    "colour": "#56B4E9",
}

ASK = (
    "import sys\nfrom bot.posts.chart_draw import Drawer\n"
    "png = Drawer().draw({spec!r})\n"
    "print(len(png), png[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'PIL' in sys.modules)\n"
)


def test_the_drawer_draws_what_pillow_draws_here_and_pillow_stays_out_of_the_asking_process():
    asked = subprocess.run([sys.executable, "-c", ASK.format(spec=SPEC)], capture_output=True, text=True, check=True)
    size, is_png, pillow_imported = asked.stdout.split()
    assert (int(size), is_png, pillow_imported) == (len(draw(SPEC)), "True", "False")
    drawer = Drawer()
    try:
        assert drawer.draw(SPEC) == draw(SPEC)
    finally:
        drawer.close()


async def test_the_drawer_stops_when_idle_and_starts_again_for_the_next_chart():
    drawer = Drawer(idle=0.3)
    try:
        first = drawer.draw(SPEC)
        process = drawer.process
        assert process is not None
        spent = drawer.cpu_seconds()
        await eventually(lambda: drawer._reap(os.WNOHANG), timeout=10, what="the idle drawer to stop")
        assert process.returncode == 0
        assert drawer.cpu_seconds() >= spent > 0  # its CPU still counted once it has stopped (bench/cpu.py)
        assert drawer.draw(SPEC) == first and drawer.process is not process
        assert drawer.cpu_seconds() > spent
    finally:
        drawer.close()
