"""Tasks: what is predicted and how it is scored.

A task names its gold layer, its prediction format, the model method that produces its
predictions, its scorer (schemes, intervals, paired test) and its tables. ``claims`` is the
default; ``quantities`` and ``links`` are built on the same machinery. Each task lives in a
module of its own and is an instance of ``bench.tasks.base.Task``; ``TASKS`` is the one
list of their names.
"""

from __future__ import annotations

import importlib

from ..exceptions import InputError

# name -> module that defines it; the one list of task names (modules load on first use).
TASK_MODULES = {"claims": "claims", "quantities": "quantities", "links": "links"}
DEFAULT_TASK = "claims"
TASKS: tuple[str, ...] = tuple(TASK_MODULES)


def get_task(name: str):
    """The task called ``name``, or an ``InputError`` listing the tasks there are."""
    module = TASK_MODULES.get(name) if isinstance(name, str) else None
    if module is None:
        raise InputError(f'unknown task "{name}" (expected one of {", ".join(TASKS)})')
    return importlib.import_module(f"{__name__}.{module}").TASK
