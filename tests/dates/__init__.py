"""Tests of bot/dates/: reading due dates and meeting times, splitting /engage arguments."""
