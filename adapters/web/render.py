"""Pages from Jinja2 templates, autoescaped: whatever a member typed is shown as text, never as HTML.

Templates write their words with `t("…")` and `tn("…", "…", n)` (English message ids, French in
bot/locale/fr/LC_MESSAGES/web.po), so that a page is in the viewer's language.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.i18n import translator

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


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
