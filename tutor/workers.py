"""The worker process: heavy imports (matplotlib, torch) and CPU work live there, not in the bot.

The bot process stays small and its event loop free; it hands work over by the dotted
name of a function, so it never imports that function's module itself. Every worker pool
is made by `new_pool`, whose processes end with the bot, even when it is killed with
``kill -9`` (a supervisor that restarts the bot would otherwise collect orphans).
"""

from __future__ import annotations

import ctypes
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Literal

# Imported when a worker starts, so the first request does not pay for them.
WARM_MODULES = ("tutor.charts", "tutor.imports")
# Linux's prctl option: the signal a process gets when its parent ends.
PR_SET_PDEATHSIG = 1
# How often a worker looks whether its parent is still there (where prctl is missing).
PARENT_CHECK_SECONDS = 0.5

StartMethod = Literal["spawn", "forkserver"]


def call(target: str, *args: Any, **kwargs: Any) -> Any:
    """Run ``module:function`` with the arguments (in the worker process)."""
    module_name, _, function_name = target.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    return function(*args, **kwargs)


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


def _start_worker(
    expected_parent: int | None,
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
) -> None:
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
        initializer=_start_worker,
        initargs=(os.getpid() if start_method == "spawn" else None, initializer, initargs),
    )


def _warm(modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(name)


def start_pool(workers: int = 1, warm: tuple[str, ...] = WARM_MODULES) -> ProcessPoolExecutor:
    """A pool of worker processes, started now and pre-warmed with ``warm``'s imports."""
    pool = new_pool(workers, initializer=_warm, initargs=(warm,))
    # Submitting work makes the pool start its processes now rather than on first use.
    for _ in range(workers):
        pool.submit(_warm, ())
    return pool
