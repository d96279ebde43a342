"""The HTTP service: `w2v serve`, or `w2v.serve.app.create_app(...)` for any ASGI server.

    app.py      routes (queries, jobs, health, metrics) and error answers
    schemas.py  the JSON in and out (pydantic; the OpenAPI description)
    models.py   the registry of served models
    compute.py  where queries are computed: query processes (default) or threads
    jobs.py     the job queue and its dispatcher; worker.py the training process
    limits.py   what jobs may take: caps on their options, the queue, time and memory
    store.py    job records in SQLite
    paths.py    corpus paths confined to the data root; model names
    guards.py   the one middleware: metrics timing, bearer token, request-body bound
    shortcut.py well-formed GET queries answered without FastAPI's per-request machinery
    answers.py  the JSON error answers; metrics.py Prometheus metrics
    page.py     the explorer page (GET /; its files in explorer/, package data)
    explorer_api.py  the page's own routes: completion and maps (explore.py, computed
                where queries are), the playground (playground.py, playground_worker.py)

Nothing is imported here, so the training worker starts without FastAPI.
"""
