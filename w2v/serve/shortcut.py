"""The query shortcut: well-formed GET queries answered without FastAPI's per-request
machinery (its middleware stack, routing, dependency solving, pydantic validation), which
was about half of the server process's CPU per query (0.50 -> 0.26 ms on gcide similar).

    shortcut = Shortcut(queries)
    route = await shortcut(scope, send)   # the route template it answered, or None

It only takes a request it can check completely: GET /v1/models/{name}/similar | analogy
| vector whose query string has each expected parameter once, no other, words of 1 to
MAX_WORD characters, n a plain decimal in [1, MAX_N] and method add or mul. Anything else
(a missing or malformed parameter, a duplicate, a trailing slash) returns None and goes
to the FastAPI route, which validates it and gives the 422 or 404, and describes every
route in OpenAPI. A HEAD query is answered here too: guards.Front runs it as a GET and
drops the body before it reaches the shortcut. The query itself is the same call as
the route's, so the answers are the same bytes.
"""

from __future__ import annotations

import logging
import re
from typing import get_args
from urllib.parse import parse_qsl

from w2v.serve.answers import ERROR_TYPES, error_answer, internal_answer
from w2v.serve.compute import json_bytes
from w2v.serve.guards import send_json
from w2v.serve.schemas import DEFAULT_METHOD, DEFAULT_N, MAX_N, MAX_WORD, Method

log = logging.getLogger("w2v.serve")

PATH = re.compile(r"/v1/models/([^/]+)/(similar|analogy|vector)")  # as Starlette's {name}
WORDS = {"similar": ("word",), "analogy": ("a", "b", "c"), "vector": ("word",)}
ALLOWED = {
    "similar": frozenset({"word", "n"}),
    "analogy": frozenset({"a", "b", "c", "n", "method"}),
    "vector": frozenset({"word"}),
}
N = re.compile(r"[1-9][0-9]{0,3}")
METHODS = get_args(Method)
JSON = b"application/json"


def parse(scope) -> tuple[str, str, dict] | None:
    """(model name, op, args) of a well-formed GET query, as the FastAPI route would
    call `queries.run` with them; None for anything else."""
    if scope["method"] != "GET" or scope.get("root_path"):
        return None
    match = PATH.fullmatch(scope["path"])
    if match is None:
        return None
    name, op = match.groups()
    given: dict[str, str] = {}
    # as Starlette's QueryParams
    for key, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True):
        if key in given or key not in ALLOWED[op]:
            return None
        given[key] = value
    for key in WORDS[op]:
        if not 1 <= len(given.get(key, "")) <= MAX_WORD:
            return None
    if op == "vector":
        return name, op, {"word": given["word"]}
    n = given.get("n", str(DEFAULT_N))
    if N.fullmatch(n) is None or int(n) > MAX_N:
        return None
    if op == "similar":
        return name, op, {"positive": [given["word"]], "negative": [], "n": int(n)}
    method = given.get("method", DEFAULT_METHOD)
    if method not in METHODS:
        return None
    a, b, c = given["a"], given["b"], given["c"]
    return name, op, {"a": a, "b": b, "c": c, "n": int(n), "method": method}


class Shortcut:
    def __init__(self, queries):
        self.queries = queries

    async def __call__(self, scope, send) -> str | None:
        """Answer the request if it is a well-formed GET query; return its route template
        (None: not taken, nothing was sent)."""
        query = parse(scope)
        if query is None:
            return None
        name, op, args = query
        try:
            body, status = await self.queries.run(name, op, args), 200
        except ERROR_TYPES as e:
            status, error = error_answer(e)
            body = json_bytes(error)
        except Exception as e:
            log.exception("internal error on GET %s", scope["path"])
            status, error = internal_answer(e)
            body = json_bytes(error)
        await send_json(send, status, body)
        return f"/v1/models/{{name}}/{op}"
