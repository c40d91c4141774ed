"""The information level, items, meetings and the intermediate review."""

from __future__ import annotations

from aiohttp import web


def add_routes(router: web.UrlDispatcher) -> None:
    return None
