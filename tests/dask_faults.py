"""Helpers for the Dask tests: a cluster of two local worker processes, and a worker
plugin that kills its own worker process in the middle of a chosen task, once."""

import os
import threading

import pytest

pytest.importorskip("distributed", reason="the optional extra w2v[dask] is not installed")

from distributed import LocalCluster
from distributed.diagnostics.plugin import WorkerPlugin


def local_cluster() -> LocalCluster:
    return LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    )


class KillOnce(WorkerPlugin):
    """When a task whose function is `function` starts executing, kill this worker's
    process `delay` seconds later (mid-task), if no worker has done so yet: the marker file,
    created exclusively, records it. The nanny starts a new worker; the scheduler retries."""

    def __init__(self, function: str, marker: str, delay: float = 0.05):
        self.function = function
        self.marker = marker
        self.delay = delay

    def transition(self, key, start, finish, **kwargs):
        name = key[0] if isinstance(key, tuple) else key
        if finish != "executing" or not str(name).startswith(self.function + "-"):
            return
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        threading.Timer(self.delay, os._exit, args=(1,)).start()
