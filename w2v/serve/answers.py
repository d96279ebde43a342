"""The JSON error answers, shared by the FastAPI routes and the query shortcut:

unknown model or word      404  {"error", "suggestions"}
unknown playground run     404
corpus outside data root   403  {"error", "suggestions": []}
name in use, job finished  409
the job queue is full      429  (the request may be retried later)
bad input                  422
a query process died       503  (the request may be retried)
a model's files unreadable 503  (truncated, half-copied: the server's trouble, not the input)
"""

from __future__ import annotations

from fastapi.responses import Response

from w2v.errors import UnknownWordError, UserError
from w2v.serve.compute import QueryWorkerDied, json_bytes
from w2v.serve.jobs import JobConflict
from w2v.serve.limits import QueueFull
from w2v.serve.models import ModelUnreadable, UnknownModelError
from w2v.serve.paths import PathRefused
from w2v.serve.playground import UnknownRun

# every type error_answer knows (a CorpusError, ModelError, ConfigError is a UserError)
ERROR_TYPES = (
    UnknownWordError,
    UnknownModelError,
    UnknownRun,
    PathRefused,
    JobConflict,
    QueueFull,
    QueryWorkerDied,
    ModelUnreadable,
    UserError,
    ValueError,
)


def error_answer(e: Exception) -> tuple[int, dict]:
    """(status, body) for an exception of one of the ERROR_TYPES types."""
    if isinstance(e, UnknownWordError | UnknownModelError):
        return 404, {"error": str(e), "suggestions": list(e.suggestions or [])}
    if isinstance(e, UnknownRun):
        return 404, {"error": str(e), "suggestions": []}
    status = 422
    if isinstance(e, PathRefused):
        status = 403
    elif isinstance(e, JobConflict):
        status = 409
    elif isinstance(e, QueueFull):
        status = 429
    elif isinstance(e, QueryWorkerDied | ModelUnreadable):
        status = 503
    return status, {"error": str(e), "suggestions": []}


def internal_answer(e: Exception) -> tuple[int, dict]:
    """(500, body) for an unexpected exception: its type only, never a traceback."""
    return 500, {"error": f"internal error ({type(e).__name__})"}


def json_response(obj, status: int = 200, headers: dict | None = None) -> Response:
    """A JSON answer written as every body of the service is (compute.json_bytes)."""
    return Response(json_bytes(obj), status, headers, media_type="application/json")
