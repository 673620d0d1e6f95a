"""Rendering pages: one Jinja2 environment, the Translator as `t`, safe headers.

Every page is rendered in the reader's language (the contact's; the board's default when no
contact is known). Responses are never cached and never leak their address (the path holds
the token) to another site through the Referer header.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from bot.i18n import Translator

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
STATIC_FILES = {"app.css": "text/css", "upload.js": "text/javascript"}

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
}


def page(t: Translator, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    """The template rendered for `t`'s reader."""
    html = _env.get_template(template).render(t=t, lang=t.language, **context)
    return HTMLResponse(html, status_code=code, headers=SECURITY_HEADERS)


def secured(response: Response) -> Response:
    """Add the pages' headers to any other response (files, redirects, pictures)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def static_route() -> Route:
    """/static/<name>: the style sheet and the upload page's script (nothing else)."""

    async def serve(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES:
            return Response(status_code=404)
        return FileResponse(
            STATIC / name,
            media_type=STATIC_FILES[name],
            headers={"Cache-Control": "public, max-age=3600"},
        )

    return Route("/static/{name}", serve, methods=["GET"])
