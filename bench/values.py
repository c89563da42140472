"""Quantity values: equality with a relative tolerance, compatibility of intervals, and how a reader says one.

Values are equal when they agree to a relative tolerance of 1e-9 (so "a third" written as
0.3333333333333333 or 1/3 agree), whatever their size: 1e-15 and 2e-15 are different values.
"""

from __future__ import annotations

import math

from .records import Quantity

REL_TOL = 1e-9


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0)


def value_exact(gold: Quantity, pred: Quantity) -> bool:
    return (same(gold.low, pred.low) and same(gold.high, pred.high)
            and gold.low_inclusive == pred.low_inclusive and gold.high_inclusive == pred.high_inclusive)


def compatible(gold: Quantity, pred: Quantity) -> bool:
    """The two intervals share a value (open ends respected; None is unbounded)."""
    low, low_in = _max_low(gold, pred)
    high, high_in = _min_high(gold, pred)
    if low is None or high is None:
        return True
    if same(low, high):
        return low_in and high_in
    return low < high


def _max_low(a: Quantity, b: Quantity) -> tuple[float | None, bool]:
    if a.low is None:
        return b.low, b.low_inclusive
    if b.low is None or a.low > b.low:
        return a.low, a.low_inclusive
    if same(a.low, b.low):
        return a.low, a.low_inclusive and b.low_inclusive
    return b.low, b.low_inclusive


def _min_high(a: Quantity, b: Quantity) -> tuple[float | None, bool]:
    if a.high is None:
        return b.high, b.high_inclusive
    if b.high is None or a.high < b.high:
        return a.high, a.high_inclusive
    if same(a.high, b.high):
        return a.high, a.high_inclusive and b.high_inclusive
    return b.high, b.high_inclusive


def describe(q: Quantity) -> str:
    """A figure as a reader says it: "~1,730", "≤ 1,000", "> 0.5", "2,000+"."""
    def num(x: float) -> str:
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4g}"

    hedge = "~" if q.approximate else ""
    if q.low is not None and q.high is not None and same(q.low, q.high):
        core = num(q.low)
    elif q.low is not None and q.high is not None:
        core = f"{num(q.low)}–{num(q.high)}"
    elif q.low is not None:
        core = f"{'≥' if q.low_inclusive else '>'} {num(q.low)}"
    elif q.high is not None:
        core = f"{'≤' if q.high_inclusive else '<'} {num(q.high)}"
    else:
        core = "?"
    unit = "" if q.unit in (None, "count") else f" {q.unit}"
    return f"{hedge}{core}{unit}"
