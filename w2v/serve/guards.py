"""What stands before the routes: one pure-ASGI middleware that times every request for
the metrics, answers only the Host names it was given, checks the bearer token, answers
HEAD as GET without the body, answers well-formed GET queries through the shortcut, and
bounds request bodies (in size and in time) before handing the rest to the FastAPI app.

The Host check is what keeps a web page out: without a token (the default on loopback),
a page in the user's browser whose own name its DNS points at 127.0.0.1 (DNS rebinding)
could otherwise submit and cancel jobs here; its requests carry its own name as Host.

One layer instead of three: each ASGI layer costs a coroutine call and a wrapped `send`
per request. Errors have the routes' JSON shape: {"error": "..."}.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import time
from collections.abc import Iterable

from w2v.errors import UserError
from w2v.serve.compute import json_bytes

MAX_BODY = 64 * 1024  # bytes
BODY_SECONDS = 30.0  # to receive a whole request body
CLIENT_GONE = 499  # the metrics' status of a request whose client left mid-body (nginx's)
OPEN_PATHS = frozenset({"/health", "/"})  # no token needed: liveness, the explorer page
OPEN_PREFIX = "/explorer/"  # and the page's files (page.py): they hold no data
NO_BODY = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
TOKEN_REQUIRED = "a valid 'Authorization: Bearer TOKEN' header is required"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")  # answered by default, on any port
WILDCARDS = ("", "0.0.0.0", "::")  # bound to these, a server has no name of its own
MISDIRECTED = 421  # a Host this server does not answer to (RFC 9110, 15.5.20)


def host_name(host: str) -> str | None:
    """The name in a Host header value: lower case, without its port, an IPv6 address in
    its brackets; None if the value is not a host and an optional port."""
    host = host.lower()
    if host.startswith("["):
        end = host.find("]") + 1  # 0: no closing bracket
        name, port = (host[:end], host[end:]) if end else ("", "")
    else:
        colon = host.find(":")
        name, port = (host, "") if colon < 0 else (host[:colon], host[colon:])
    if port and not (port[0] == ":" and port[1:].isascii() and port[1:].isdigit()):
        return None
    return name or None


def allowed_hosts(bind: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The Host names a server bound to `bind` answers: the loopback names, `bind` itself
    unless it is a wildcard, and `extra` (`w2v serve --allowed-host`)."""
    names = set(LOOPBACK_HOSTS)
    if bind not in WILDCARDS:
        names.add(_as_host(bind, "--host"))
    names.update(_as_host(name, "--allowed-host") for name in extra)
    return frozenset(names)


def _as_host(name: str, option: str) -> str:
    """A host name or IP address as a Host header names it (an IPv6 address in brackets);
    UserError if it is neither (one with a port, say)."""
    try:
        return f"[{ipaddress.IPv6Address(name)}]"
    except ValueError:
        pass
    if host_name(name) != name.lower():
        raise UserError(f"{option} {name!r}: give a host name or IP address, without a port")
    return name.lower()


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
      until its last body chunk was sent), including 401, 413 and 421;
    - Host: a request whose Host header does not name one of `hosts` (any port), or that
      has none, is refused with 421 before anything else is done;
    - token: with `token`, every request but /health and the explorer page's (/ and
      /explorer/...) must carry `Authorization: Bearer TOKEN` (the scheme in any case,
      RFC 7235; the token compared in constant time), otherwise 401;
    - HEAD: run as GET, its headers (Content-Length included) sent, its body dropped; the
      routes and OpenAPI know only GET;
    - shortcut: an async callable (scope, send) -> route template | None that may answer
      the request itself (see shortcut.py);
    - body bound: request bodies over `max_body` bytes are refused with 413, whether or
      not they declare a Content-Length, and one not received within `body_seconds` with
      408 (a stalled client does not hold its connection forever); a client that leaves
      mid-body is counted as status 499, not as a server error. A body within the bounds
      is read here and handed on whole.
    """

    def __init__(
        self,
        app,
        metrics,
        token: str | None = None,
        max_body=MAX_BODY,
        shortcut=None,
        body_seconds: float = BODY_SECONDS,
        hosts: Iterable[str] = LOOPBACK_HOSTS,
    ):
        self.app = app
        self.metrics = metrics
        self.hosts = frozenset(h.lower() for h in hosts)
        self.token = None if token is None else token.encode()
        self.max_body = max_body
        self.shortcut = shortcut
        self.body_seconds = body_seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        method = scope["method"]
        status = 500
        route = None

        async def sending(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        answer = sending
        if method == "HEAD":
            scope = dict(scope, method="GET")
            answer = _without_body(sending)
        try:
            host = self._host(scope)
            if host_name(host) not in self.hosts:
                error = f"this server does not answer to the Host {host[:100]!r} (--allowed-host)"
                return await send_error(answer, MISDIRECTED, error)
            if self.token is not None and not self._authorized(scope):
                headers = [(b"www-authenticate", b"Bearer")]
                return await send_error(answer, 401, TOKEN_REQUIRED, headers)
            if self.shortcut is not None:
                route = await self.shortcut(scope, answer)
                if route is not None:
                    return
            if scope["method"] in NO_BODY:
                return await self.app(scope, receive, answer)
            body = await self._body(scope, receive, answer)
            if body is None:  # refused (413, 408), or the client went away
                if status == 500:
                    status = CLIENT_GONE
                return
            delivered = False

            async def replay():
                nonlocal delivered
                if not delivered:
                    delivered = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            return await self.app(scope, replay, answer)
        finally:
            if route is None:
                route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(method, route, status, time.perf_counter() - t0)

    @staticmethod
    def _host(scope) -> str:
        for key, value in scope["headers"]:
            if key == b"host":
                return value.decode("latin-1")
        return ""

    def _authorized(self, scope) -> bool:
        path = scope["path"]
        if path in OPEN_PATHS or path.startswith(OPEN_PREFIX):
            return True
        for key, value in scope["headers"]:
            if key == b"authorization":
                scheme, _, credentials = value.partition(b" ")
                given = credentials.lstrip(b" ")
                return scheme.lower() == b"bearer" and hmac.compare_digest(given, self.token)
        return False

    async def _body(self, scope, receive, send) -> bytes | None:
        """The whole request body; None when it was refused (413, 408 sent) or the client
        went away (nothing sent)."""
        too_big = f"the request body is larger than {self.max_body} bytes"
        for key, value in scope["headers"]:
            if key == b"content-length":
                if not value.isdigit() or int(value) > self.max_body:
                    await send_error(send, 413, too_big)
                    return None
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.body_seconds):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":  # the client went away
                        return None
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_body:
                        await send_error(send, 413, too_big)
                        return None
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            late = f"the request body was not received within {self.body_seconds:g} s"
            await send_error(send, 408, late, [(b"connection", b"close")])
            return None


def _without_body(send):
    """`send` for a HEAD request: the GET's response with its body bytes dropped."""

    async def sending(message):
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return sending
