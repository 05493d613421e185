"""Starting worker processes: each dies with the bot, ignores Ctrl-C, and may cap its own
memory and import its modules before its first job."""

from __future__ import annotations

import ctypes
import importlib
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Literal

# Linux's prctl option: the signal a process gets when its parent ends.
PR_SET_PDEATHSIG = 1
# How often a worker looks whether its parent is still there (where prctl is missing).
PARENT_CHECK_SECONDS = 0.5

StartMethod = Literal["spawn", "forkserver"]


def die_with_parent(expected_parent: int | None = None) -> None:
    """End this process as soon as its parent, the process that started it, ends.

    On Linux the kernel sends SIGKILL at the parent's death (``PR_SET_PDEATHSIG``), even
    while this process is deep in C code. A daemon thread that watches for a new parent
    (orphans are re-parented) is the portable fallback. ``expected_parent``, where known,
    catches a parent that died before this call. The kernel's signal follows the parent
    *thread* that started the process: pools must be used from a thread that lives as long
    as they do (the event loop's).
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no usable libc: the thread below still works
            pass
    parent = os.getppid()
    if expected_parent is not None and parent != expected_parent:
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent,), name="watch-parent", daemon=True
    ).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    # No clean-up: nobody is left to take a result, and exit handlers could hang.
    os._exit(1)


def start_worker(
    expected_parent: int | None,
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
) -> None:
    """A worker's first act (the pool's initializer): die with the parent, ignore Ctrl-C,
    then run the caller's own ``initializer(*initargs)``."""
    die_with_parent(expected_parent)
    # Ctrl-C in a terminal reaches the whole process group: the bot stops its workers
    # itself, and a worker interrupted in its queue's read would print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)


def new_pool(
    workers: int,
    *,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    start_method: StartMethod = "spawn",
) -> ProcessPoolExecutor:
    """A process pool whose workers run ``initializer(*initargs)`` and die with this process.

    Processes are spawned, not forked: a fork of a process with an event loop and open
    database connections is unsafe, and spawn behaves the same on every platform. (With
    ``forkserver`` the workers' parent is the fork server, which ends with this process.)
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(start_method),
        initializer=start_worker,
        initargs=(os.getpid() if start_method == "spawn" else None, initializer, initargs),
    )


def _warm(modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(name)


def limit_memory(max_bytes: int) -> None:
    """Cap this process's address space: an allocation past it fails (``MemoryError`` in
    Python, an error code in C libraries) instead of growing until an OOM killer strikes."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def prepare_worker(max_bytes: int, modules: tuple[str, ...]) -> None:
    """Ready a `tutor.runtime.workers.WorkerPool` worker: stopped at once on SIGTERM, its
    memory capped at ``max_bytes``, ``modules`` imported."""
    # Pebble stops a job past its deadline with SIGTERM, then SIGKILL 3 s later. Its handler
    # is Python, which runs only between bytecodes: a job deep in C code (a regex, SQLite)
    # would hold on for those 3 s. The default action ends the process at once; a worker
    # has nothing to clean up.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # The limit first: the warm imports are the first allocations it must allow.
    limit_memory(max_bytes)
    _warm(modules)


def do_nothing() -> None:
    """A job that does nothing; scheduling it makes a pool start its processes now."""
