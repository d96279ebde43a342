"""The HTTP API: queries on the served models, training jobs, health and metrics.

    app = create_app(pinned={"gcide": Path("gcide-model")}, models_dir="w2v-models",
                     data_root="corpora", token=None, allowed_hosts=LOOPBACK_HOSTS)

Query routes call the same `Vectors` methods as the library and the command line, so the
answers are the same; they run in query processes or threads (see compute.py). Their JSON
is written there directly (the response models document it), which skips a second
validation of data the server built itself. Every HTTP request first meets the one
middleware of guards.py (metrics, token, body bound), and well-formed GET queries are
answered there by the shortcut (shortcut.py) with the same call; the routes below take
the rest, validate it, and describe every route in OpenAPI.

Errors are JSON: unknown models and words are 404 {"error", "suggestions"}, bad input 422
{"error", "detail"}, a corpus outside the data root 403, a name or state conflict 409, a
full job queue 429, a model whose files cannot be read (or a query process that died) 503.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from w2v import __version__
from w2v.checkpoint import DEFAULT_EVERY
from w2v.serve import schemas as S
from w2v.serve.answers import ERROR_TYPES, error_answer, internal_answer, json_response
from w2v.serve.compute import ProcessQueries, ThreadQueries
from w2v.serve.explorer_api import add_explorer_routes
from w2v.serve.guards import LOOPBACK_HOSTS, MAX_BODY, Front
from w2v.serve.jobs import JobConflict, JobRunner
from w2v.serve.limits import JobLimits
from w2v.serve.metrics import Metrics
from w2v.serve.models import ModelRegistry
from w2v.serve.page import add_page
from w2v.serve.playground import PlaygroundRuns
from w2v.serve.schemas import ERRORS, MODEL_ERRORS, NQ, WordQ
from w2v.serve.shortcut import Shortcut

log = logging.getLogger("w2v.serve")

BODY_NOT_PARSED = "There was an error parsing the body"  # FastAPI's 400, word for word


def create_app(
    pinned: dict[str, Path] | None = None,
    models_dir: str | os.PathLike = "w2v-models",
    data_root: str | os.PathLike | None = None,
    token: str | None = None,
    max_body: int = MAX_BODY,
    max_running: int = 1,
    job_workers: int | None = None,
    nice: int = 10,
    query_processes: int = 0,
    shortcut: bool = True,
    allowed_hosts: Iterable[str] = LOOPBACK_HOSTS,
    limits: JobLimits | None = None,
    checkpoint_every: str | None = DEFAULT_EVERY,
) -> FastAPI:
    """Load the models, open the job database (recovering from a previous server's
    death) and return the ASGI app. Its lifespan runs the job dispatcher and, with
    `query_processes` > 0, that many query processes (else queries run in one thread per
    core of this process). `shortcut`: answer well-formed GET queries without FastAPI's
    per-request machinery (same answers; see shortcut.py). `allowed_hosts`: the Host
    names answered (guards.allowed_hosts), any other is refused with 421. `limits`: what
    the jobs may take (limits.py; its defaults if None). `checkpoint_every`: how often a
    sgns/cbow job checkpoints (w2v.checkpoint; None: never)."""
    # with query processes, this process only describes the models: no copy, no norms
    registry = ModelRegistry(pinned, Path(models_dir), warm=query_processes == 0)
    runner = JobRunner(
        models_dir,
        data_root,
        on_model=lambda name, path: registry.add(name, path),
        taken_names=registry.taken,
        max_running=max_running,
        workers=job_workers,
        nice=nice,
        limits=limits,
        checkpoint_every=checkpoint_every,
    ).open()
    metrics = Metrics()
    playground = PlaygroundRuns()
    if query_processes > 0:
        queries = ProcessQueries(registry, query_processes)
    else:
        queries = ThreadQueries(registry, os.cpu_count() or 2)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:  # a model failing to load in a query process still releases the lock and db
            await queries.start()
            runner.start()
            yield
        finally:
            runner.close()
            await playground.close()
            await queries.close()

    app = App(
        title="w2v",
        version=__version__,
        description="Train word embeddings and query them.",
        lifespan=lifespan,
    )
    app.state.registry, app.state.runner, app.state.metrics = registry, runner, metrics
    app.state.queries = queries
    _errors(app)
    _routes(app, registry, runner, metrics, queries)
    add_explorer_routes(app, queries, playground)
    add_page(app, token_required=bool(token))
    app.front = Front(
        app.inner,
        metrics=metrics,
        token=token or None,
        max_body=max_body,
        shortcut=Shortcut(queries) if shortcut else None,
        hosts=allowed_hosts,
    )
    if token:
        _document_token(app)
    return app


class App(FastAPI):
    """FastAPI behind `front` (guards.py), which sees every HTTP request first: a query
    the shortcut answers never enters FastAPI's middleware stack."""

    front = None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.front is not None:
            return await self.front(scope, receive, send)
        return await super().__call__(scope, receive, send)

    async def inner(self, scope, receive, send):
        return await super().__call__(scope, receive, send)


def _routes(app, registry: ModelRegistry, runner: JobRunner, metrics: Metrics, queries) -> None:
    async def run(name: str, op: str, **args) -> Response:
        """Query `op` on model `name`, computed by `queries` (errors reach the handlers)."""
        return Response(await queries.run(name, op, args), media_type="application/json")

    @app.get("/health", response_model=S.Health, tags=["service"])
    async def health():
        """Liveness: always 200 while the server runs (no token needed)."""
        return {
            "status": "ok",
            "models": registry.count(),  # no scan, no load: this runs on the event loop
            "jobs_running": len(runner.running()),
        }

    @app.get("/metrics", response_class=Response, tags=["service"])
    def prometheus():  # not async: the job counts query SQLite, off the event loop
        """Request counts, latency histograms, jobs by state (Prometheus text format)."""
        jobs = {(("state", s),): n for s, n in runner.store.counts().items()}
        text = metrics.render(
            {
                "w2v_jobs": ("Training jobs by state.", jobs),
                "w2v_models": ("Models being served.", {(): len(registry.names())}),
            }
        )
        return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/v1/models", response_model=S.ModelList, tags=["models"])
    def models():
        """The models being served: name, vocabulary size, dimension, trainer, created."""
        return json_response({"models": registry.describe()})

    @app.get(
        "/v1/models/{name}", response_model=S.ModelInfo, responses=MODEL_ERRORS, tags=["models"]
    )
    def model(name: str):
        """One model's description."""
        return json_response(registry.describe_one(name))

    @app.get(
        "/v1/models/{name}/similar",
        response_model=S.Neighbours,
        responses=MODEL_ERRORS,
        tags=["queries"],
    )
    async def similar(name: str, word: WordQ, n: NQ = S.DEFAULT_N):
        """The n words nearest to `word` by cosine (the word itself excluded)."""
        return await run(name, "similar", positive=[word], negative=[], n=n)

    @app.post(
        "/v1/models/{name}/similar",
        response_model=S.Neighbours,
        responses=MODEL_ERRORS,
        tags=["queries"],
    )
    async def similar_post(name: str, query: S.SimilarQuery):
        """The n words nearest to the mean of the unit vectors of `positive` minus those of
        `negative` (gensim's most_similar); the input words are excluded."""
        return await run(
            name, "similar", positive=query.positive, negative=query.negative, n=query.n
        )

    @app.get(
        "/v1/models/{name}/analogy",
        response_model=S.Neighbours,
        responses=MODEL_ERRORS,
        tags=["queries"],
    )
    async def analogy(
        name: str,
        a: WordQ,
        b: WordQ,
        c: WordQ,
        n: NQ = S.DEFAULT_N,
        method: S.Method = S.DEFAULT_METHOD,
    ):
        """Words d with a - b + c ~ d (king man woman -> queen): 3CosAdd or 3CosMul."""
        return await run(name, "analogy", a=a, b=b, c=c, n=n, method=method)

    @app.get(
        "/v1/models/{name}/vector",
        response_model=S.WordVector,
        responses=MODEL_ERRORS,
        tags=["queries"],
    )
    async def vector(name: str, word: WordQ):
        """The embedding of `word` (a row of U)."""
        return await run(name, "vector", word=word)

    job_errors = {code: {"model": S.Error} for code in (403, 409, 422, 429)}

    @app.post(
        "/v1/jobs", status_code=202, response_model=S.Job, responses=job_errors, tags=["jobs"]
    )
    def submit(request: S.JobRequest):
        """Queue a training job; the corpus is a path under the server's --data-root (none:
        the embedded corpus). Poll GET /v1/jobs/{id}; when done, the model is served under
        the job's name. 422 past the server's caps on dim, epochs and workers; 429 when its
        queue is full."""
        config = request.config.model_dump(exclude_none=True)
        job = runner.submit(request.trainer, request.corpus, config, request.name)
        return json_response(_public(job), 202, {"location": f"/v1/jobs/{job['id']}"})

    @app.get("/v1/jobs", response_model=S.JobList, tags=["jobs"])
    def jobs(
        state: Literal["queued", "running", "done", "failed", "cancelled"] | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ):
        """The most recent jobs, newest first."""
        return json_response({"jobs": [_public(j) for j in runner.store.list(state, limit)]})

    @app.get("/v1/jobs/{job_id}", response_model=S.Job, responses=ERRORS, tags=["jobs"])
    def job(job_id: int):
        """A job's state, progress, words/s, loss, ETA and error."""
        return json_response(_public(_job_or_404(runner, job_id)))

    @app.delete(
        "/v1/jobs/{job_id}",
        response_model=S.Job,
        responses={**ERRORS, 409: {"model": S.Error}},
        tags=["jobs"],
    )
    def cancel(job_id: int):
        """Cancel a queued or running job: its worker is stopped and nothing it wrote is
        kept. 409 if the job has already finished."""
        _job_or_404(runner, job_id)
        if runner.cancel(job_id) is None:
            state = runner.store.get(job_id)["state"]
            raise JobConflict(f"job {job_id} is already {state}")
        return json_response(_public(runner.store.get(job_id)))


def _job_or_404(runner: JobRunner, job_id: int) -> dict:
    job = runner.store.get(job_id) if -(2**63) <= job_id < 2**63 else None
    if job is None:
        raise HTTPException(404, f"no job {job_id}")
    return job


def _public(job: dict) -> dict:
    return {k: job[k] for k in S.Job.model_fields}


def _errors(app: FastAPI) -> None:
    async def known(request: Request, e: Exception):
        status, body = error_answer(e)
        return JSONResponse(body, status)

    for error_type in ERROR_TYPES:
        app.add_exception_handler(error_type, known)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError):
        detail = jsonable_encoder(e.errors(), custom_encoder={Exception: str, bytes: repr})
        first = detail[0] if detail else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        message = f"invalid request: {where}: {first.get('msg', '')}" if first else "invalid"
        return JSONResponse({"error": message, "detail": detail}, 422)

    @app.exception_handler(HTTPException)
    async def http(request: Request, e: HTTPException):
        if e.status_code == 400 and e.detail == BODY_NOT_PARSED:
            # FastAPI's 400 for a body it could not decode (not UTF-8): malformed, like any
            # body that is not JSON, so 422 as those are
            why = e.__cause__
            cause = f"{type(why).__name__}: {why}" if why is not None else BODY_NOT_PARSED
            detail = [{"type": "json_invalid", "loc": ["body"], "msg": cause}]
            return JSONResponse({"error": f"invalid request: body: {cause}", "detail": detail}, 422)
        return JSONResponse({"error": str(e.detail)}, e.status_code, headers=e.headers)

    @app.exception_handler(Exception)
    async def internal(request: Request, e: Exception):
        log.exception("internal error on %s %s", request.method, request.url.path)
        status, body = internal_answer(e)
        return JSONResponse(body, status)


def _document_token(app: FastAPI) -> None:
    """Declare the bearer token in the OpenAPI description."""
    build = app.openapi

    def openapi():
        spec = build()
        spec.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"}
        }
        spec["security"] = [{"bearer": []}]
        return spec

    app.openapi = openapi
