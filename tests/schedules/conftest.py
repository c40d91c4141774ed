"""The `world` fixture of the scheduled-post tests: a community on Matrix, a clock to move, run_due."""

from __future__ import annotations

import pytest

from bot.clock import FixedClock
from bot.db import Store

from .support import World, make_world, schedules_config


@pytest.fixture
def world(store: Store, clock: FixedClock) -> World:
    return make_world(store, clock, schedules_config())
