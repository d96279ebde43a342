"""A Dask client: to an existing scheduler (`--dask tcp://HOST:8786`) or to a cluster of
local worker processes started for the run (`--local-cluster N`)."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator

from w2v.errors import UserError

EXTRA = "pip install 'w2v[dask]'"
CONNECT_TIMEOUT = 30  # seconds to reach a scheduler, and then to see its first worker


def require_distributed():
    """The `distributed` module, or a UserError naming the optional extra that provides it."""
    try:
        importlib.import_module("dask")
        import distributed
    except ImportError as e:
        raise UserError(
            f"running on a Dask cluster needs the optional extra 'dask' ({EXTRA})"
        ) from e
    return distributed


def _has_bokeh() -> bool:
    try:
        importlib.import_module("bokeh")
    except ImportError:
        return False
    return True


def check_workers(client) -> None:
    """UserError unless every worker imports the same version of w2v as this process."""
    from w2v import __version__

    def version():  # sent by value: it must run where w2v may be missing
        import importlib

        try:
            importlib.import_module("pipelines.dask")
            import w2v
        except ImportError:
            return None
        return w2v.__version__

    for worker, v in sorted(client.run(version).items()):
        if v is None:
            raise UserError(f"Dask worker {worker} cannot import w2v: install it there ({EXTRA})")
        if v != __version__:
            raise UserError(f"Dask worker {worker} runs w2v {v}, this process w2v {__version__}")


@contextlib.contextmanager
def connect(
    address: str | None = None,
    local_workers: int | None = None,
    echo: Callable[[str], None] = print,
) -> Iterator:
    """Yield a distributed.Client: to the scheduler at `address`, or to a LocalCluster of
    `local_workers` processes of one thread each, bound to 127.0.0.1 (closed on exit)."""
    distributed = require_distributed()
    if (address is None) == (local_workers is None):
        raise UserError("give one of --dask ADDRESS and --local-cluster N")
    with contextlib.ExitStack() as stack:
        if local_workers is not None:
            if local_workers < 1:
                raise UserError(f"--local-cluster {local_workers}: need at least 1 worker")
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=local_workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:8787" if _has_bokeh() else None,
                )
            )
            client = stack.enter_context(distributed.Client(cluster))
        else:
            try:
                client = stack.enter_context(distributed.Client(address, timeout=CONNECT_TIMEOUT))
            except (OSError, TimeoutError, ValueError) as e:
                raise UserError(f"cannot reach the Dask scheduler at {address!r}: {e}") from e
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError as e:
            raise UserError(
                f"the Dask scheduler at {client.scheduler.address} has no worker; "
                "start some with: dask worker " + client.scheduler.address
            ) from e
        check_workers(client)
        workers = client.nthreads()
        threads = sum(workers.values())
        echo(f"dask: {len(workers)} worker(s), {threads} thread(s) at {client.scheduler.address}")
        if _has_bokeh():
            echo(f"dask dashboard: {client.dashboard_link}")
        yield client
