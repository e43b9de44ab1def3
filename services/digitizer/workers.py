"""The process pool that runs the file pipeline, apart from the service's event loop."""

from __future__ import annotations

import signal
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context


def ignore_stop_signals() -> None:
    """Pool initializer: leave SIGTERM and SIGINT to the service process.

    A stop signal often reaches the whole process group (Ctrl-C in a terminal, a process
    manager killing a group). If the workers died of it, the file in progress would end as a
    broken pool instead of being finished; the service shuts the pool down itself.
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def make_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes that ignore stop signals.

    Spawned, not forked: no copy of the event loop, sockets or locks of the service.
    """
    return ProcessPoolExecutor(
        workers, mp_context=get_context("spawn"), initializer=ignore_stop_signals
    )
