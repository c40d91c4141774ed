"""The composition root: the app factory, the command line, `relais run` and the demo.

The only package that may import every layer (bot/, commands/, schedules/, adapters/); nothing
imports it back. See the README's "Architecture" section.
"""
