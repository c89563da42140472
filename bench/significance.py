"""How sure a score is, and whether one system really beats another.

Unit of resampling: the paragraph
---------------------------------
The bootstrap needs independent-ish units to resample. Documents are too few (the seed
corpus has five): resampling five units gives intervals that mostly reflect which
documents were drawn. Single claims are not units either, because a prediction and its
gold claim must stay together and spurious predictions belong to no gold claim.

Paragraphs fit: a paragraph is a maximal run of characters without a line break
(``\\n`` or ``\\r``), so paragraphs are defined by the document text alone. They are the
same for every system scored on the same gold, which is what makes the *paired* test
possible: both systems are resampled on the same paragraphs. A matched pair rarely
crosses a paragraph break, since claims are clauses inside sentences.

Each count is filed under the paragraph holding the start of the claim it is about: a true
positive and a false negative under the gold claim's start, a false positive under the
prediction's start. A position on a line break belongs to the paragraph before it.

Only the stored counts are resampled: nothing is matched again, so resampling is a
weighted sum (bootstrap weights @ counts) and takes milliseconds.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .claims import CLAIM_TYPES

if TYPE_CHECKING:  # scoring imports this module, so Counts is imported where used
    from .scoring import Counts

_PARAGRAPH = re.compile(r"[^\r\n]+")
TP, FP, FN = 0, 1, 2
# Cap on bootstrap weights held at once (resamples x units), to bound memory on big corpora.
_BATCH_CELLS = 4_000_000


def paragraph_starts(text: str) -> list[int]:
    """Start offset of each paragraph; a text without any gives one paragraph at 0."""
    return [m.start() for m in _PARAGRAPH.finditer(text)] or [0]


def paragraph_of(starts: Sequence[int], position: int) -> int:
    """Index of the paragraph holding ``position`` (the one before it on a line break)."""
    return max(bisect_right(starts, position) - 1, 0)


def unit_key(doc_id: str, paragraph: int) -> str:
    return f"{doc_id}:{paragraph}"


class Paragraphs:
    """The paragraph units of a list of documents, numbered in document order.

    Same paragraphs as ``paragraph_starts``, found for all documents at once.
    """

    def __init__(self, doc_ids: Sequence[str], texts: Sequence[str]):
        line_lengths: list[int] = []
        lines_per_doc: list[int] = []
        for text in texts:
            lines = (text.replace("\r", "\n") if "\r" in text else text).split("\n")
            line_lengths.extend(map(len, lines))
            lines_per_doc.append(len(lines))
        lengths = np.fromiter(line_lengths, np.int64, len(line_lengths))
        doc = np.repeat(np.arange(len(texts)), lines_per_doc)
        line_start = np.cumsum(lengths + 1) - (lengths + 1)  # as if the texts were one string
        first_line = np.cumsum([0, *lines_per_doc[:-1]]).astype(np.int64) if texts else np.zeros(0, np.int64)
        starts = line_start - line_start[first_line][doc]  # back to offsets in each document
        keep = lengths > 0
        # a document without any paragraph still gets one unit, at offset 0
        empty = np.bincount(doc[keep], minlength=len(texts)) == 0
        doc = np.concatenate([doc[keep], np.flatnonzero(empty)])
        starts = np.concatenate([starts[keep], np.zeros(int(empty.sum()), np.int64)])
        order = np.argsort(doc, kind="stable")
        doc, starts = doc[order], starts[order]
        sizes = np.bincount(doc, minlength=len(texts))
        self.keys = [f"{d}:{k}" for d, size in zip(doc_ids, sizes.tolist()) for k in range(size)]  # unit_key, inlined
        self.first = np.concatenate(([0], np.cumsum(sizes)))[:-1]
        self._stride = max(map(len, texts), default=0) + 1
        self._key = doc * self._stride + starts

    def __len__(self) -> int:
        return len(self.keys)

    def unit_of(self, doc: np.ndarray, position: np.ndarray) -> np.ndarray:
        """Unit of each (document index, offset), as ``paragraph_of`` does for one document."""
        found = np.searchsorted(self._key, doc * self._stride + position, "right") - 1
        return np.maximum(found, self.first[doc])


@dataclass(slots=True)
class UnitCounts:
    """tp/fp/fn per unit and claim type: ``counts[unit, type, (tp, fp, fn)]``."""

    keys: list[str]
    counts: np.ndarray
    types: tuple[str, ...] = field(default=CLAIM_TYPES)

    def __post_init__(self):
        self.types = tuple(self.types)
        self.counts = np.asarray(self.counts, dtype=np.int64)
        expected = (len(self.keys), len(self.types), 3)
        if self.counts.shape != expected:
            raise ValueError(f"unit counts have shape {self.counts.shape}, expected {expected}")

    def sum(self) -> dict[str, Counts]:
        from .scoring import Counts

        totals = self.counts.sum(axis=0)
        return {t: Counts(*(int(x) for x in totals[k])) for k, t in enumerate(self.types)}

    def to_dict(self) -> dict:
        return {"types": list(self.types), "keys": list(self.keys), "counts": self.counts.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping) -> UnitCounts:
        try:
            keys, counts, types = list(data["keys"]), data["counts"], tuple(data.get("types", CLAIM_TYPES))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"unit counts need keys, counts and types: {exc}") from None
        array = np.asarray(counts, dtype=np.int64)
        if array.size == 0:
            array = array.reshape(len(keys), len(types), 3)
        return cls(keys=keys, counts=array, types=types)


# ---------------------------------------------------------------- metrics on many totals at once

def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros(np.broadcast(num, den).shape, dtype=float)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _metrics(totals: np.ndarray) -> dict[str, np.ndarray]:
    """P/R/F1 per type, micro and macro for totals of shape (..., types, 3).

    Same definitions as ``bench.scoring.Counts`` (0 when undefined; macro over the types
    with any gold or prediction).
    """
    tp, fp, fn = (totals[..., k].astype(float) for k in (TP, FP, FN))
    mtp, mfp, mfn = tp.sum(-1), fp.sum(-1), fn.sum(-1)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    present = (tp + fp + fn) > 0
    n_present = present.sum(-1)
    return {
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "f1": f1,
        "micro_precision": _ratio(mtp, mtp + mfp),
        "micro_recall": _ratio(mtp, mtp + mfn),
        "micro_f1": _ratio(2 * mtp, 2 * mtp + mfp + mfn),
        "macro_f1": _ratio(np.where(present, f1, 0.0).sum(-1), n_present),
    }


def _resampled_totals(counts: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Totals of ``n`` bootstrap resamples of the units (axis 0) of ``counts``."""
    units = counts.shape[0]
    flat = counts.reshape(units, -1).astype(float)
    batch = max(1, _BATCH_CELLS // max(units, 1))
    out = np.empty((n, flat.shape[1]))
    for begin in range(0, n, batch):
        rows = min(batch, n - begin)
        draws = rng.integers(0, units, size=(rows, units))
        offsets = (np.arange(rows) * units)[:, None]
        weights = np.bincount((draws + offsets).ravel(), minlength=rows * units).reshape(rows, units)
        out[begin:begin + rows] = weights @ flat
    return out.reshape((n, *counts.shape[1:]))


def _check_resampling(units: UnitCounts, n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"number of resamples must be a positive integer, got {n!r}")
    if not units.keys:
        raise ValueError("no units to resample (no documents were scored)")


def bootstrap_ci(units: UnitCounts, *, n: int = 1000, seed: int = 0, level: float = 0.95) -> dict:
    """Percentile bootstrap intervals, resampling paragraphs with replacement.

    Returns ``{"level", "n", "seed", "micro": {"precision", "recall", "f1"}, "macro": {"f1"},
    "per_type": {type: {"precision", "recall", "f1"}}}``, each interval a ``[low, high]`` list.
    """
    _check_resampling(units, n)
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    rng = np.random.default_rng(seed)
    metrics = _metrics(_resampled_totals(units.counts, n, rng))
    tail = (1 - level) / 2

    def interval(values: np.ndarray) -> list[float] | list[list[float]]:
        low, high = np.quantile(values, [tail, 1 - tail], axis=0)
        return [float(low), float(high)] if np.ndim(low) == 0 else [[float(a), float(b)] for a, b in zip(low, high)]

    per_type = {name: interval(metrics[name]) for name in ("precision", "recall", "f1")}
    return {
        "level": level,
        "n": n,
        "seed": seed,
        "micro": {name: interval(metrics[f"micro_{name}"]) for name in ("precision", "recall", "f1")},
        "macro": {"f1": interval(metrics["macro_f1"])},
        "per_type": {
            t: {name: per_type[name][k] for name in ("precision", "recall", "f1")} for k, t in enumerate(units.types)
        },
    }


def _p_value(observed: float, resampled: np.ndarray) -> float:
    """Two-sided paired-bootstrap p: twice the share of resamples whose delta does not keep the observed sign."""
    if observed == 0:
        return 1.0
    flipped = np.count_nonzero(np.sign(observed) * resampled <= 0)
    return min(1.0, 2.0 * int(flipped) / len(resampled))


def paired_test(a: UnitCounts, b: UnitCounts, *, n: int = 1000, seed: int = 0) -> dict:
    """Paired bootstrap (Koehn 2004, as in sacreBLEU): is F1(a) - F1(b) more than noise?

    Both systems are resampled on the same paragraph indices. Returns ``{"n", "seed",
    "micro": {"delta", "p_value"}, "macro": {...}, "per_type": {type: {...}}}`` with
    delta = F1(a) - F1(b) on the full data. A p-value of 0 means no resample out of ``n``
    reversed the difference (report it as p < 1/n).
    """
    if a.keys != b.keys:
        only_a = sorted(set(a.keys) - set(b.keys))[:3]
        only_b = sorted(set(b.keys) - set(a.keys))[:3]
        detail = f"only in the first: {only_a}, only in the second: {only_b}" if only_a or only_b else "order differs"
        raise ValueError(
            "the two runs were not scored on the same documents and gold (their paragraph units differ; "
            f"{detail}); a paired test needs the same gold"
        )
    if a.types != b.types:
        raise ValueError(f"the two runs use different claim types: {list(a.types)} vs {list(b.types)}")
    _check_resampling(a, n)
    rng = np.random.default_rng(seed)
    both = np.concatenate([a.counts, b.counts], axis=1)  # resample both with the same weights
    totals = _resampled_totals(both, n, rng)
    types = len(a.types)
    sample_a, sample_b = _metrics(totals[:, :types]), _metrics(totals[:, types:])
    full_a, full_b = _metrics(a.counts.sum(axis=0)), _metrics(b.counts.sum(axis=0))

    def test(name: str, k: int | None = None) -> dict:
        pick = (lambda m: m[name]) if k is None else (lambda m: m[name][..., k])
        observed = float(pick(full_a) - pick(full_b))
        return {"delta": observed, "p_value": _p_value(observed, pick(sample_a) - pick(sample_b))}

    return {
        "n": n,
        "seed": seed,
        "micro": test("micro_f1"),
        "macro": test("macro_f1"),
        "per_type": {t: test("f1", k) for k, t in enumerate(a.types)},
    }
