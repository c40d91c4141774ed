"""Tests of schedules/: run_due over simulated weeks, the scheduler and its timers, exactly once under
stress; the recaps, digests and nudges it posts."""
