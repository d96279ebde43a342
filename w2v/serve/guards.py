"""What stands before the routes: one pure-ASGI middleware that times every request for
the metrics, checks the bearer token, answers well-formed GET queries through the
shortcut, and bounds request bodies before handing the rest to the FastAPI app.

One layer instead of three: each ASGI layer costs a coroutine call and a wrapped `send`
per request. Errors have the routes' JSON shape: {"error": "..."}.
"""

from __future__ import annotations

import hmac
import time

from w2v.serve.compute import json_bytes

MAX_BODY = 64 * 1024  # bytes
OPEN_PATHS = frozenset({"/health"})
NO_BODY = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
TOKEN_REQUIRED = "a valid 'Authorization: Bearer TOKEN' header is required"


async def send_error(send, status: int, error: str, headers: list | None = None) -> None:
    await send_json(send, status, json_bytes({"error": error}), headers)


async def send_json(send, status: int, body: bytes, headers: list | None = None) -> None:
    """Answer with a JSON `body` straight through ASGI `send`."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Front:
    """Around the FastAPI `app`:

    - metrics: every HTTP request is observed (method, route template, status, seconds
      until its last body chunk was sent), including 401 and 413;
    - token: with `token`, every request but /health must carry `Authorization: Bearer
      TOKEN` (compared in constant time), otherwise 401;
    - shortcut: an async callable (scope, send) -> route template | None that may answer
      the request itself (see shortcut.py);
    - body bound: request bodies over `max_body` bytes are refused with 413, whether or
      not they declare a Content-Length; a body within the bound is read here and handed
      on whole.
    """

    def __init__(self, app, metrics, token: str | None = None, max_body=MAX_BODY, shortcut=None):
        self.app = app
        self.metrics = metrics
        self.expected = None if token is None else b"Bearer " + token.encode()
        self.max_body = max_body
        self.shortcut = shortcut

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        status = 500
        route = None

        async def sending(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if self.expected is not None and not self._authorized(scope):
                headers = [(b"www-authenticate", b"Bearer")]
                return await send_error(sending, 401, TOKEN_REQUIRED, headers)
            if self.shortcut is not None:
                route = await self.shortcut(scope, sending)
                if route is not None:
                    return
            if scope["method"] in NO_BODY:
                return await self.app(scope, receive, sending)
            return await self._bounded(scope, receive, sending)
        finally:
            if route is None:
                route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(scope["method"], route, status, time.perf_counter() - t0)

    def _authorized(self, scope) -> bool:
        if scope["path"] in OPEN_PATHS:
            return True
        given = b""
        for key, value in scope["headers"]:
            if key == b"authorization":
                given = value
                break
        return hmac.compare_digest(given, self.expected)

    async def _bounded(self, scope, receive, send):
        too_big = f"the request body is larger than {self.max_body} bytes"
        for key, value in scope["headers"]:
            if key == b"content-length":
                if not value.isdigit() or int(value) > self.max_body:
                    return await send_error(send, 413, too_big)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return await send_error(send, 413, too_big)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)
