"""Domain services: the only code that changes the store. Handlers call these."""
