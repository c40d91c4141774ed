"""Domain services: the only code that changes the store. Command handlers and adapters call these.

Adapters reach the store only through them (import-linter forbids adapters bot.models, sqlalchemy
and bot.db): those meant for adapters take ids and plain values and give back dataclasses.
"""
