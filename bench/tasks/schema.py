"""The shapes the tasks' entries in ``results.json`` share."""

from __future__ import annotations

from typing import Any

import msgspec


class PRF(msgspec.Struct):
    precision: float | None
    recall: float | None
    f1: float | None


class PRFCounts(PRF):
    tp: int
    fp: int
    fn: int


class Intervals(msgspec.Struct):
    """Bootstrap intervals: per metric a [low, high] pair, a list of them (one per type), or None."""

    level: float
    n: int
    seed: int
    metrics: dict[str, list[Any] | None]

    def __post_init__(self):
        for name, value in self.metrics.items():
            pairs = value if value and isinstance(value[0], (list, type(None))) else [value]
            for pair in pairs:
                if pair is not None and not (len(pair) == 2 and all(type(x) in (int, float) for x in pair)):
                    raise msgspec.ValidationError(f"interval of {name} is not a pair of numbers")
