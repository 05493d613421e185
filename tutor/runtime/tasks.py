"""Work the bot hands to the worker processes from heavy modules, named and typed.

A chart (matplotlib) or a memory-model fit (torch) runs in a worker; the bot must not
import those modules, so it hands over a `Task`: the module and function's names, typed
as what the function returns.
"""

from __future__ import annotations

import importlib
from typing import Generic, ParamSpec, TypeVar, cast

from tutor.domain.memorymodel import Fit, Refit

P = ParamSpec("P")
R = TypeVar("R")


class Task(Generic[P, R]):
    """A function of a heavy module (matplotlib, torch) to run in a worker, named rather
    than imported so that the bot never loads that module, and typed as the function:
    ``Task[..., bytes]`` returns bytes. Calling it (in the worker) imports the module and
    runs the function; tests/tutor/runtime/test_workers.py checks that every task names
    a function."""

    def __init__(self, module: str, function: str) -> None:
        self.module = module
        self.function = function

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        function = getattr(importlib.import_module(self.module), self.function)
        return cast(R, function(*args, **kwargs))

    def __repr__(self) -> str:
        return f"{self.module}.{self.function}"


# What the bot hands to the workers from heavy modules: the charts (matplotlib) and the
# memory-model fit (torch).
RENDER_STATS_CHART: Task[..., bytes] = Task("tutor.domain.charts", "render_stats_chart")
RENDER_SESSION_CHART: Task[..., bytes] = Task("tutor.domain.charts", "render_session_chart")
RENDER_CLASS_HEATMAP: Task[..., bytes] = Task("tutor.domain.charts", "render_class_heatmap")
FIT: Task[..., Fit | None] = Task("tutor.domain.fsrsfit", "fit")
REFIT: Task[..., Refit] = Task("tutor.domain.fsrsfit", "refit")
