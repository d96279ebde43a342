"""The explorer page: `GET /` answers the single page, `GET /explorer/FILE` its ES modules,
style sheet and icon. They are shipped in w2v/serve/explorer/ (package data): no build
step, no CDN, nothing fetched from anywhere but this server, so the page works offline.

The page and its files hold no data, so they are answered without the token (guards.Front
lets OPEN_PATHS and OPEN_PREFIX through); the page asks for the token once, keeps it in
sessionStorage and sends it in the Authorization header of its API calls, never in a URL.
`GET /explorer/settings.json` tells it whether a token is needed, so it does not have to
draw a 401 to find out. The Host check applies to these routes as to every other.

Every file is sent with a strict Content-Security-Policy (scripts, styles, images and
connections from this origin only: no inline script or style, no eval, no plugins, no
framing), `nosniff`, and no referrer; and with an ETag, so a reload costs a 304 per file.
"""

from __future__ import annotations

import hashlib
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

PREFIX = "/explorer/"
CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",  # revalidate (a 304) on every load: a new version shows at once
}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}


class PageFile:
    """One file of the page, read once: its bytes, content type and ETag."""

    def __init__(self, name: str, body: bytes):
        self.body = body
        self.media_type = TYPES[name[name.rindex(".") :]]
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'

    def answer(self, request: Request) -> Response:
        headers = {**HEADERS, "etag": self.etag}
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=headers)
        return Response(self.body, media_type=self.media_type, headers=headers)


def page_files() -> dict[str, PageFile]:
    """The files of w2v/serve/explorer/ by name, from the installed package."""
    folder = resources.files("w2v.serve") / "explorer"
    return {
        f.name: PageFile(f.name, f.read_bytes())
        for f in folder.iterdir()
        if f.is_file() and f.name[f.name.rfind(".") :] in TYPES
    }


def add_page(app: FastAPI, token_required: bool) -> None:
    """The routes of the page (not in the OpenAPI description: they are not the API)."""
    files = page_files()

    @app.get("/", include_in_schema=False)
    def index(request: Request):
        return files["index.html"].answer(request)

    @app.get(PREFIX + "settings.json", include_in_schema=False)
    def settings():
        return JSONResponse({"token_required": token_required}, headers=HEADERS)

    @app.get(PREFIX + "{name}", include_in_schema=False)
    def page_file(name: str, request: Request):
        found = files.get(name)
        if found is None:
            return JSONResponse({"error": f"no page file {name!r}"}, 404, headers=HEADERS)
        return found.answer(request)
