"""The convergence demo: real PyTorch trainings drawn as one PNG, run off the event loop.

Importing this package (or `runner` and `request`) stays light: torch and matplotlib load only
in the worker processes, through `training`, `reference` and `plots`.
"""

from tutor.demo.request import (
    DEFAULT_LR_RATES,
    MAX_RATE,
    MAX_RATES,
    USAGE,
    DemoName,
    DemoRequest,
    DemoUsageError,
    parse_demo_args,
)
from tutor.demo.runner import (
    DemoBusy,
    DemoError,
    DemoFailed,
    DemoQueueFull,
    DemoResult,
    DemoRunner,
    OnQueued,
)

__all__ = [
    "DEFAULT_LR_RATES",
    "MAX_RATE",
    "MAX_RATES",
    "USAGE",
    "DemoBusy",
    "DemoError",
    "DemoFailed",
    "DemoName",
    "DemoQueueFull",
    "DemoRequest",
    "DemoResult",
    "DemoRunner",
    "DemoUsageError",
    "OnQueued",
    "parse_demo_args",
]
