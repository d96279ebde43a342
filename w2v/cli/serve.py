"""`w2v serve`: the HTTP service (needs the `serve` extra: FastAPI and uvicorn)."""

import importlib
import ipaddress
import logging
import os
from pathlib import Path

import click

from w2v.checkpoint import DEFAULT_EVERY
from w2v.errors import UserError
from w2v.serve import limits as L


def parse_model(spec: str) -> tuple[str, Path]:
    """NAME=DIR, or DIR alone (served under its directory name)."""
    from w2v.serve.paths import check_name

    name, sep, directory = spec.partition("=")
    if not sep:
        name, directory = Path(spec).resolve().name, spec
    if not directory:
        raise UserError(f"-m {spec!r}: expected NAME=DIR")
    return check_name(name), Path(directory)


@click.command()
@click.option(
    "-m",
    "--model",
    "models",
    multiple=True,
    metavar="NAME=DIR",
    help="Serve the model directory DIR as NAME (repeatable).",
)
@click.option(
    "--models-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="w2v-models",
    show_default=True,
    help="Every model here is served; jobs write their models and jobs.sqlite3 here.",
)
@click.option(
    "--data-root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Job corpora are paths under this directory (without it: only the embedded corpus).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--allowed-host",
    "allowed_host",
    multiple=True,
    metavar="NAME",
    help="Also answer requests whose Host header is NAME (repeatable); answered without it: "
    "localhost, 127.0.0.1, [::1] and --host unless it is 0.0.0.0 or ::.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--token",
    envvar="W2V_TOKEN",
    help="Require 'Authorization: Bearer TOKEN' on every request but /health ($W2V_TOKEN).",
)
@click.option(
    "--jobs", "max_running", default=1, show_default=True, type=click.IntRange(1, 64),
    help="Training jobs run at once; the rest wait in the queue.",
)  # fmt: skip
@click.option(
    "--job-workers",
    type=click.IntRange(1, L.WORKERS_CEILING),
    help="Training threads of a job that does not set `workers` [default: cores - 1].",
)
@click.option(
    "--max-queued",
    default=L.MAX_QUEUED,
    show_default=True,
    type=click.IntRange(1),
    help="Jobs that may wait to run; one more is refused (429).",
)
@click.option(
    "--max-job-seconds",
    default=L.MAX_JOB_SECONDS,
    show_default=True,
    type=click.FloatRange(0, min_open=True),
    help="A job still running after this many seconds is stopped and fails.",
)
@click.option(
    "--max-dim",
    default=L.MAX_DIM,
    show_default=True,
    type=click.IntRange(1, L.DIM_CEILING),
    help="The largest dim a job may ask for.",
)
@click.option(
    "--max-epochs",
    default=L.MAX_EPOCHS,
    show_default=True,
    type=click.IntRange(1, L.EPOCHS_CEILING),
    help="The most epochs a job may ask for.",
)
@click.option(
    "--job-memory",
    type=click.IntRange(1),
    metavar="MB",
    help="Address space of each job's worker (RLIMIT_AS) [default: no limit]; "
    "a job that needs more fails, saying so.",
)
@click.option(
    "--checkpoint-every",
    default=DEFAULT_EVERY,
    show_default=True,
    help="How often a training job saves a checkpoint it resumes from if the server dies: "
    "a time (30s, 10m, 2h) or a number of words (50M).",
)
@click.option(
    "--query-workers",
    type=click.IntRange(0, 256),
    help="Processes that compute queries [default: one per core]; 0: threads of the server.",
)
def serve(
    models,
    models_dir,
    data_root,
    host,
    allowed_host,
    port,
    token,
    max_running,
    job_workers,
    max_queued,
    max_job_seconds,
    max_dim,
    max_epochs,
    job_memory,
    checkpoint_every,
    query_workers,
):
    """Serve models over HTTP (JSON under /v1, OpenAPI at /docs) and train new ones as jobs."""
    try:
        importlib.import_module("fastapi")
        importlib.import_module("threadpoolctl")
        import uvicorn
    except ImportError as e:
        raise UserError(
            f"w2v serve needs the 'serve' extra ({e.name} is missing): pip install 'w2v[serve]'"
        ) from None
    from w2v.checkpoint import parse_every
    from w2v.serve.app import create_app
    from w2v.serve.compute import one_blas_thread
    from w2v.serve.guards import WILDCARDS, allowed_hosts

    parse_every(checkpoint_every)  # a typo fails now, not in every job
    one_blas_thread()
    pinned = dict(parse_model(spec) for spec in models)
    hosts = allowed_hosts(host, allowed_host)
    logging.basicConfig(level=logging.INFO, format="w2v serve: %(message)s")
    app = create_app(
        pinned,
        models_dir,
        data_root,
        token=token,
        max_running=max_running,
        job_workers=job_workers,
        checkpoint_every=checkpoint_every,
        query_processes=(os.cpu_count() or 2) if query_workers is None else query_workers,
        allowed_hosts=hosts,
        limits=L.JobLimits(
            max_dim=max_dim,
            max_epochs=max_epochs,
            max_queued=max_queued,
            max_seconds=max_job_seconds,
            memory_mb=job_memory,
        ),
    )
    if not token and not _is_loopback(host):
        click.echo(f"w2v serve: warning: listening on {host} without --token", err=True)
    if not allowed_host and host in WILDCARDS:
        click.echo(
            f"w2v serve: note: listening on {host or 'every interface'}, but answering only "
            "requests to localhost; give --allowed-host NAME for each name clients use",
            err=True,
        )
    n = len(app.state.registry.names())
    click.echo(
        f"w2v serve: {n} model(s), jobs in {models_dir}; http://{host}:{port}/docs", err=True
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
