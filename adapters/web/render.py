"""Pages from Jinja2 templates, autoescaped: whatever a member typed is shown as text, never as HTML.

Templates write their words with `t("…")` and `tn("…", "…", n)` (English message ids, French in
bot/locale/fr/LC_MESSAGES/web.po), so that a page is in the viewer's language.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.i18n import translator

TEMPLATES = Path(__file__).parent / "templates"


def long_day(day: date, language: str) -> str:
    """A day as a reader writes it: "7 septembre 2026", "7 September 2026" (never ISO in a sentence)."""
    from babel.dates import format_date

    return format_date(day, "d MMMM y", locale=language)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_day"] = long_day
    return env


def page(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    """An HTML page in the viewer's language (else the community's), with the form token."""
    from adapters.web.server import CSRF, LANGUAGE, VIEWER

    language = request.get(LANGUAGE, "fr")
    words = translator(language)
    html = (
        environment()
        .get_template(template)
        .render(
            t=words.t,
            tn=words.tn,
            language=language,
            viewer=request.get(VIEWER),
            csrf=request.get(CSRF, ""),
            path=request.path,
            query=request.query_string,
            **values,
        )
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
