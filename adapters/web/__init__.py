"""The web dashboard: server-rendered pages of the roadmap, the information level, items and
meetings and the intermediate review (aiohttp + Jinja2, `pip install 'relais[web]'`).

A front end like the chat adapters: it reads the store only through bot.services.dashboard,
which reuses the services of /actions, /level and /who-read. `relais web` serves it alone;
`relais run` serves it too when relais.toml has a [web] section.
"""

from __future__ import annotations
