"""One formula per metric: functions of summed statistics, on numbers and on arrays of resamples alike.

A point score and every bootstrap resample go through the same function, so an interval
is always an interval of the number printed beside it (sacreBLEU's way). Undefined ratios
(nothing predicted, nothing to find) are NaN here and ``None`` in results, never 0.
"""

from __future__ import annotations

import numpy as np


def ratio(num, den) -> np.ndarray:
    """num / den elementwise, NaN where den is 0: a ratio with nothing to divide is undefined."""
    num, den = np.broadcast_arrays(np.asarray(num, float), np.asarray(den, float))
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def prf(tp, fp, fn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 from counts; F1 is 2TP / (2TP + FP + FN), 2PR/(P+R) written on counts."""
    tp, fp, fn = (np.asarray(x, float) for x in (tp, fp, fn))
    return ratio(tp, tp + fp), ratio(tp, tp + fn), ratio(2 * tp, 2 * tp + fp + fn)


def harmonic(p, r) -> np.ndarray:
    """F1 of a precision and a recall that are not counts (B³, CEAF, LEA): 0 when both are 0, NaN when either is."""
    p, r = np.broadcast_arrays(np.asarray(p, float), np.asarray(r, float))
    f1 = ratio(2 * p * r, p + r)
    return np.where(~np.isnan(p) & ~np.isnan(r) & (p + r == 0), 0.0, f1)


def mean_defined(values, present) -> np.ndarray:
    """Mean over the last axis of the values that are ``present`` and defined (scikit-learn's
    ``zero_division=np.nan`` for macro averages); NaN when none is."""
    values = np.asarray(values, float)
    keep = np.asarray(present, bool) & ~np.isnan(values)
    return ratio(np.where(keep, values, 0.0).sum(-1), keep.sum(-1))


def value(x) -> float | None:
    """A computed number as results hold it: ``None`` when undefined."""
    x = float(x)
    return None if x != x else x
