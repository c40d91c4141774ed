"""Tests of relais/: the composition root (app factory, runner) and the command line."""
