"""The routes of the explorer page's own questions (page.py serves the page itself):
completion of a typed word, 2-D maps of a model (explore.py computes them where queries
are computed), and the playground (playground.py runs it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import Response

from w2v.serve import schemas as S
from w2v.serve.answers import json_response
from w2v.serve.playground import PlaygroundRuns
from w2v.serve.schemas import MODEL_ERRORS, NQ, WordQ

MapNQ = Annotated[int, Query(ge=1, le=S.MAX_MAP, description="words on the map")]


def add_explorer_routes(app, queries, playground: PlaygroundRuns) -> None:
    """What the explorer page asks beyond the queries: completion, maps, the playground."""

    async def run(name: str, op: str, **args) -> Response:
        return Response(await queries.run(name, op, args), media_type="application/json")

    tags = ["explorer"]

    @app.get(
        "/v1/models/{name}/words", response_model=S.Completions, responses=MODEL_ERRORS, tags=tags
    )
    async def words(
        name: str,
        prefix: Annotated[str, Query(max_length=S.MAX_WORD)] = "",
        n: Annotated[int, Query(ge=1, le=S.MAX_COMPLETIONS)] = 10,
    ):
        """The n most frequent words that start with `prefix` (case-sensitive)."""
        return await run(name, "words", prefix=prefix, n=n)

    @app.get("/v1/models/{name}/map", response_model=S.WordMap, responses=MODEL_ERRORS, tags=tags)
    async def word_map(
        name: str,
        word: Annotated[str | None, Query(min_length=1, max_length=S.MAX_WORD)] = None,
        n: MapNQ = S.DEFAULT_MAP,
    ):
        """A 2-D map (PCA of the unit vectors) of `word` and its n nearest neighbours, or
        without a word of the n most frequent words."""
        return await run(name, "map", word=word, n=n)

    @app.get(
        "/v1/models/{name}/map/analogy",
        response_model=S.WordMap,
        responses=MODEL_ERRORS,
        tags=tags,
    )
    async def analogy_map(
        name: str,
        a: WordQ,
        b: WordQ,
        c: WordQ,
        n: NQ = 5,
        method: S.Method = S.DEFAULT_METHOD,
    ):
        """The map of a - b + c ~ d (as `w2v plot --analogy`): b, a, c, the n answers, by the
        PCA of b, a, c and the best answer d, and where c + (a - b) falls."""
        return await run(name, "map_analogy", a=a, b=b, c=c, n=n, method=method)

    run_errors = {404: {"model": S.Error}}

    @app.post(
        "/v1/playground",
        status_code=202,
        response_model=S.PlaygroundRun,
        responses={422: {"model": S.Error}, 429: {"model": S.Error}},
        tags=tags,
    )
    async def playground_start(request: S.PlaygroundRequest):
        """Train the playground's MLP on a 2-D data set (`w2v playground`) on the server;
        follow it with GET /v1/playground/{id}. 429 when too many runs are training."""
        return json_response(await playground.start(request.model_dump()), 202)

    @app.get(
        "/v1/playground/{run_id}", response_model=S.PlaygroundRun, responses=run_errors, tags=tags
    )
    def playground_state(run_id: int, since: Annotated[int, Query(ge=0)] = 0):
        """A run's state: the scores of the epochs after `since`, the latest decision
        surface, and the data set when `since` is 0."""
        return json_response(playground.state(run_id, since))

    @app.delete(
        "/v1/playground/{run_id}", response_model=S.PlaygroundRun, responses=run_errors, tags=tags
    )
    async def playground_cancel(run_id: int):
        """Stop a run (nothing if it has ended)."""
        return json_response(await playground.cancel(run_id))
