"""Relais: the platform-neutral core of the backbone-function bot."""

__version__ = "0.1.0"
