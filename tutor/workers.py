"""The worker process: heavy imports (matplotlib, torch) and CPU work live there, not in the bot.

The bot process stays small and its event loop free; it hands work over by the dotted
name of a function, so it never imports that function's module itself.
"""

from __future__ import annotations

import importlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

# Imported when a worker starts, so the first request does not pay for them.
WARM_MODULES = ("tutor.charts",)


def call(target: str, *args: Any, **kwargs: Any) -> Any:
    """Run ``module:function`` with the arguments (in the worker process)."""
    module_name, _, function_name = target.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    return function(*args, **kwargs)


def _warm(modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(name)


def start_pool(workers: int = 1, warm: tuple[str, ...] = WARM_MODULES) -> ProcessPoolExecutor:
    """A pool of worker processes, started now and pre-warmed with ``warm``'s imports.

    Processes are spawned, not forked: a fork of a process with an event loop and open
    database connections is unsafe, and spawn behaves the same on every platform.
    """
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_warm,
        initargs=(warm,),
    )
    # Submitting work makes the pool start its processes now rather than on first use.
    for _ in range(workers):
        pool.submit(_warm, ())
    return pool
