"""Tests of commands/: the chat commands as members type them, through the recording TestBot."""
