"""How sure a score is, and whether one system really beats another: the bootstrap over stored counts.

Units
-----
The bootstrap resamples *units*, each holding the statistics (counts, sums) of a part of
the corpus; every total a task reports is a sum of its units, and every metric a function
of totals, so resampling never matches anything again (sacreBLEU's way).

For claims and quantities the unit is the paragraph: a maximal run of characters without
a line break (``\\n`` or ``\\r``). Documents are too few to resample (the seed corpus has
five), and single claims are no units, because a prediction and its gold claim must stay
together and spurious predictions belong to no gold claim. Paragraphs are defined by the
text alone, so they are the same for every system scored on the same gold, which is what
makes the *paired* test possible. Each statistic is filed under the paragraph holding the
start of the claim it is about; a position on a line break belongs to the paragraph before
it. The link task files its statistics under gold clusters instead (``bench.tasks.links``).

Resampling
----------
A bootstrap resample draws as many units as there are, uniformly with replacement; the
total of a resample is the sum of the drawn units' statistics. Units with equal statistics
are interchangeable, so a resample only needs *how many draws fall in each group of equal
units*: a multinomial draw over the groups with probabilities group size / number of units.
That is exactly the distribution of drawing units one by one, at a cost of one draw per
group instead of one per unit (a corpus of 200,000 paragraphs has a few thousand distinct
count rows). The groups are found by hashing rows and checked row by row, and they come in
a fixed order, so the same seed gives the same resamples.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .exceptions import InputError

_PARAGRAPH = re.compile(r"[^\r\n]+")
_BREAK = re.compile(r"[\r\n]")
_SPLIT_AT_MOST = 1 << 20  # characters of a text split into lines to find its paragraphs
# Seed of the fixed random projection that hashes count rows into groups (not a user setting).
_ROW_HASH_SEED = 20221
_HASHED_ROWS = 1 << 16  # rows hashed at a time
Metrics = Callable[[np.ndarray], dict[str, np.ndarray]]


def paragraph_starts(text: str) -> list[int]:
    """Start offset of each paragraph; a text without any gives one paragraph at 0."""
    return [m.start() for m in _PARAGRAPH.finditer(text)] or [0]


def paragraph_of(starts: Sequence[int], position: int) -> int:
    """Index of the paragraph holding ``position`` (the one before it on a line break)."""
    return max(bisect_right(starts, position) - 1, 0)


class Paragraphs:
    """The paragraph units of a list of documents, numbered in document order.

    Same paragraphs as ``paragraph_starts``, found for all documents at once.
    """

    def __init__(self, doc_ids: Sequence[str], texts: Sequence[str]):
        line_lengths: list[int] = []
        lines_per_doc: list[int] = []
        for text in texts:
            if len(text) > _SPLIT_AT_MOST:  # a long text is not copied line by line: its breaks are found in place
                breaks = np.fromiter((m.start() for m in _BREAK.finditer(text)), np.int64)
                lengths = np.diff(np.r_[-1, breaks, len(text)]) - 1
                line_lengths.extend(lengths.tolist())
                lines_per_doc.append(len(lengths))
                continue
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
        self.doc_ids = list(doc_ids)
        self.sizes = np.bincount(doc, minlength=len(texts)).astype(np.int64)
        self.first = np.concatenate(([0], np.cumsum(self.sizes)))[:-1]
        self._stride = max(map(len, texts), default=0) + 1
        self._key = doc * self._stride + starts

    def __len__(self) -> int:
        return int(self.sizes.sum())

    def unit_of(self, doc: np.ndarray, position: np.ndarray) -> np.ndarray:
        """Unit of each (document index, offset), as ``paragraph_of`` does for one document."""
        found = np.searchsorted(self._key, doc * self._stride + position, "right") - 1
        return np.maximum(found, self.first[doc])


@dataclass(slots=True, init=False)
class Units:
    """Statistics per unit: ``counts[unit, column]``.

    Units are named by groups: group ``g`` holds ``sizes[g]`` units, ``"<g>:0"``,
    ``"<g>:1"``, …; paragraphs are grouped by document, link units one to a cluster.

    Held compactly, as a run folder stores them (``units_to_arrays``): columns of whole,
    non-negative counts as the smallest unsigned integers that hold them, the others (sums of
    fractions such as token F1) as floats. A long document has a hundred thousand paragraphs
    and a run keeps the units of every scheme until it is saved, so dense float rows would
    cost eight times as much; ``counts`` gives them back exactly, dtype included.
    """

    groups: list[str]
    sizes: np.ndarray
    columns: tuple[str, ...]
    whole: np.ndarray  # every column; 0 in the sum columns
    sums: np.ndarray | None  # the sum columns, float64, or None
    sum_columns: np.ndarray  # positions of the sum columns
    floats: bool  # the counts are float64 (sums), else int64

    def __init__(self, groups: list[str], sizes, columns: Sequence[str], counts):
        self.groups = groups
        self.sizes = np.asarray(sizes, dtype=np.int64)
        self.columns = tuple(columns)
        counts = np.asarray(counts)
        if len(self.groups) != len(self.sizes):
            raise ValueError(f"{len(self.groups)} unit groups but {len(self.sizes)} sizes")
        expected = (int(self.sizes.sum()), len(self.columns))
        if counts.shape != expected:
            raise ValueError(f"unit counts have shape {counts.shape}, expected {expected}")
        self.floats = counts.dtype.kind not in "biu"
        self.sums, self.sum_columns = None, np.zeros(0, np.int64)
        if self.floats:
            counts = counts.astype(np.float64, copy=False)
            sums = np.array([k for k in range(counts.shape[1]) if not _whole_column(counts[:, k])], np.int64)
            if sums.size:
                self.sums, self.sum_columns = counts[:, sums], sums
                counts = counts.copy()
                counts[:, sums] = 0
        counts = counts.astype(np.int64)
        self.whole = _small(counts) if counts.size == 0 or counts.min() >= 0 else counts

    @property
    def counts(self) -> np.ndarray:
        """The dense ``counts[unit, column]`` (int64, or float64 when some are sums), made on each call."""
        counts = self.whole.astype(np.float64 if self.floats else np.int64)
        if self.sums is not None:
            counts[:, self.sum_columns] = self.sums
        return counts

    def __len__(self) -> int:
        return self.whole.shape[0]

    @property
    def keys(self) -> list[str]:
        return [f"{g}:{k}" for g, size in zip(self.groups, self.sizes.tolist()) for k in range(size)]

    def total(self) -> np.ndarray:
        return self.counts.sum(axis=0)

    def same_units(self, other: Units) -> bool:
        return self.groups == other.groups and np.array_equal(self.sizes, other.sizes)


def _whole_column(column: np.ndarray) -> bool:
    """Every value a whole, non-negative count (not -0.0, which the dense rows would lose)."""
    return bool(np.all((column == np.floor(column)) & ~np.signbit(column)))


def _group_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct rows in a fixed order, how many units each stands for).

    Integer rows come in the order of their hash; float rows (sums) in increasing order
    column by column, as ``np.unique(rows, axis=0)`` gives them, but found by hashing and
    sorting only the distinct rows, which costs far less than sorting every row."""
    if rows.shape[0] == 0:
        return rows, np.zeros(0, np.int64)
    if rows.dtype.kind in "iu":
        found = _hash_groups(rows, _as_int64)  # the order of the hash, as runs have always had it
        if found is not None:
            return found
    elif rows.dtype == np.float64 and not (np.isnan(rows).any() or np.signbit(rows).any()):
        found = _hash_groups(rows, _float_bits)
        if found is not None:
            groups, sizes = found
            order = np.lexsort(groups.T[::-1]) if groups.shape[1] else np.arange(len(groups))
            return groups[order], sizes[order]
    groups, inverse = np.unique(rows, axis=0, return_inverse=True)  # a hash collision
    return groups, np.bincount(inverse.ravel(), minlength=len(groups))


def _as_int64(rows: np.ndarray) -> np.ndarray:
    return rows.astype(np.int64)


def _float_bits(rows: np.ndarray) -> np.ndarray:
    """Integers standing for float rows: equal floats here have equal bits; small sums differ in
    their high bits only, so those are folded into the low ones."""
    bits = np.ascontiguousarray(rows).view(np.uint64)
    return (bits ^ (bits >> np.uint64(31))).view(np.int64)


def _hash_groups(rows: np.ndarray,
                 values_of: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows grouped by a random projection of ``values_of(rows)`` (integers standing for them, one for
    one), in the order of the hash; None on a collision. Worked out ``_HASHED_ROWS`` rows at a time."""
    projection = np.random.default_rng(_ROW_HASH_SEED).integers(1, 2 ** 62, size=rows.shape[1], dtype=np.int64)
    key = np.zeros(len(rows), np.int64)
    if rows.shape[1]:
        with np.errstate(over="ignore"):
            for lo in range(0, len(rows), _HASHED_ROWS):
                key[lo:lo + _HASHED_ROWS] = values_of(rows[lo:lo + _HASHED_ROWS]) @ projection
    keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    groups = values_of(rows[first])
    for lo in range(0, len(rows), _HASHED_ROWS):
        if not np.array_equal(groups[inverse[lo:lo + _HASHED_ROWS]], values_of(rows[lo:lo + _HASHED_ROWS])):
            return None
    return rows[first], np.bincount(inverse, minlength=len(keys))


def resampled_totals(counts: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Totals of ``n`` bootstrap resamples of the units (axis 0) of ``counts``, as floats."""
    units = counts.shape[0]
    flat = counts.reshape(units, -1)
    groups, sizes = _group_rows(flat)
    weights = rng.multinomial(units, sizes / units, size=n)  # draws per group, per resample
    totals = weights.astype(np.float64) @ groups.astype(np.float64)
    return totals.reshape((n, *counts.shape[1:]))


MAX_RESAMPLES = 1_000_000


def check_settings(n: int, seed: int, *, none: str) -> None:
    """The CLI's and the API's check of ``--bootstrap`` and ``--seed``; ``none`` says what 0 means."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_RESAMPLES:
        raise InputError(f"bootstrap resamples (--bootstrap) {n!r}: must be 0 ({none}) to {MAX_RESAMPLES:,}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 32:
        raise InputError(f"seed (--seed) {seed!r}: must be an integer from 0 to 2**32 - 1")


def check_resampling(units: Units, n: int, seed: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"number of resamples must be a positive integer, got {n!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"the seed must be a non-negative integer, got {seed!r}")
    if not len(units):
        raise ValueError("no units to resample (no documents were scored)")


def percentile_intervals(values: np.ndarray, level: float) -> list | None:
    """Percentile intervals over axis 0 of every column, leaving out resamples where the metric is undefined.

    NumPy's default (linear) quantile, reproduced to the bit, with one sort for all the columns:
    ``np.quantile`` column by column cost more than the resampling itself. A column with no
    defined resample gives None; the nesting follows ``values.shape[1:]``.
    """
    tail = (1 - level) / 2
    columns = values.reshape(len(values), -1)
    ordered = np.sort(columns, axis=0)  # NaN sorts last, so the defined values come first
    defined = len(values) - np.isnan(columns).sum(axis=0)
    last = np.maximum(defined - 1, 0)
    virtual = (defined - 1) * np.array([[tail], [1 - tail]])  # (2, columns), as np.quantile computes it
    below = np.floor(virtual)
    gamma = virtual - below
    low = np.minimum(np.maximum(below, 0).astype(np.intp), last)
    a = np.take_along_axis(ordered, low, axis=0)
    b = np.take_along_axis(ordered, np.minimum(low + 1, last), axis=0)
    with np.errstate(invalid="ignore"):
        diff = b - a
        ends = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    pairs = [pair if n else None for pair, n in zip(ends.T.tolist(), defined.tolist())]
    if values.ndim == 1:
        return pairs[0]
    for size in reversed(values.shape[2:]):
        pairs = [pairs[i:i + size] for i in range(0, len(pairs), size)]
    return pairs


def bootstrap(units: Units, metrics: Metrics, *, n: int = 1000, seed: int = 0,
              level: float = 0.95) -> dict[str, list | None]:
    """Percentile intervals of every metric ``metrics`` computes from totals, over ``n`` resamples.

    ``metrics`` maps an array of totals (..., columns) to named arrays (NaN where undefined).
    """
    check_resampling(units, n, seed)
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    sampled = metrics(resampled_totals(units.counts, n, np.random.default_rng(seed)))
    return {name: percentile_intervals(values, level) for name, values in sampled.items()}


def _p_value(observed: float, resampled: np.ndarray) -> float | None:
    """Two-sided paired-bootstrap p: twice the share of resamples whose delta does not keep the observed sign."""
    if np.isnan(observed):
        return None
    if observed == 0:
        return 1.0
    resampled = resampled[~np.isnan(resampled)]
    if not resampled.size:
        return None
    flipped = np.count_nonzero(np.sign(observed) * resampled <= 0)
    return min(1.0, 2.0 * int(flipped) / len(resampled))


def paired_test(a: Units, b: Units, metrics: Metrics, *, n: int = 1000, seed: int = 0) -> dict[str, dict]:
    """Paired bootstrap (Koehn 2004, as in sacreBLEU): is metric(b) - metric(a) more than noise?

    Both systems are resampled on the same units with the same weights. Returns, for every
    metric ``metrics`` computes, ``{"delta": [...], "p_value": [...]}`` (lists for metrics
    with several values, e.g. one per type), delta = b - a on the full data. A p-value of 0
    means no resample reversed the difference (report it as p < 1/n).
    """
    if not a.same_units(b):
        only_a = sorted(set(a.groups) - set(b.groups))[:3]
        only_b = sorted(set(b.groups) - set(a.groups))[:3]
        detail = (f"only in the first: {only_a}, only in the second: {only_b}" if only_a or only_b
                  else "the same documents cut into other units")
        raise ValueError("the two runs were not scored on the same documents and gold (their units differ; "
                         f"{detail}); a paired test needs the same gold")
    if a.columns != b.columns:
        raise ValueError("the two runs store different statistics (different claim types or tasks)")
    check_resampling(a, n, seed)
    both = np.concatenate([a.counts, b.counts], axis=1)
    totals = resampled_totals(both, n, np.random.default_rng(seed))
    k = len(a.columns)
    sample_a, sample_b = metrics(totals[:, :k]), metrics(totals[:, k:])
    full_a, full_b = metrics(a.total().astype(np.float64)), metrics(b.total().astype(np.float64))
    out = {}
    for name in full_a:
        observed = np.asarray(full_b[name] - full_a[name], dtype=float)
        deltas = np.asarray(sample_b[name] - sample_a[name], dtype=float)
        if observed.ndim == 0:
            out[name] = {"delta": _nan_none(float(observed)), "p_value": _p_value(float(observed), deltas)}
        else:
            out[name] = {"delta": [_nan_none(float(x)) for x in observed],
                         "p_value": [_p_value(float(observed[j]), deltas[:, j]) for j in range(len(observed))]}
    return out


def _nan_none(value: float) -> float | None:
    return None if np.isnan(value) else value


def _small(counts: np.ndarray) -> np.ndarray:
    """Non-negative whole counts in the smallest unsigned type that holds them."""
    top = int(counts.max()) if counts.size else 0
    return counts.astype(np.uint8 if top < 2 ** 8 else np.uint16 if top < 2 ** 16 else np.uint32 if top < 2 ** 32
                         else np.uint64)


def units_to_arrays(units: Units, prefix: str) -> Mapping[str, np.ndarray]:
    """The arrays a run folder stores for ``units`` (``bench.runs``), names under ``prefix``:
    their compact form as it is, so a run stays about the size of its predictions."""
    arrays = {f"{prefix}.groups": np.array(units.groups, dtype=str), f"{prefix}.sizes": units.sizes,
              f"{prefix}.columns": np.array(units.columns, dtype=str)}
    if units.sums is not None:
        arrays[f"{prefix}.sums"] = units.sums
        arrays[f"{prefix}.sum_columns"] = units.sum_columns
    arrays[f"{prefix}.counts"] = units.whole
    return arrays


def units_from_arrays(arrays: Mapping[str, np.ndarray], prefix: str) -> Units:
    counts = arrays[f"{prefix}.counts"]
    counts = counts.astype(np.int64) if counts.dtype.kind in "biu" else counts
    sums = arrays.get(f"{prefix}.sums")
    if sums is not None:
        where = arrays[f"{prefix}.sum_columns"].astype(np.int64)
        counts = counts.astype(np.float64)
        counts[:, where] = sums
    return Units(groups=[str(g) for g in arrays[f"{prefix}.groups"].tolist()], sizes=arrays[f"{prefix}.sizes"],
                 columns=[str(c) for c in arrays[f"{prefix}.columns"].tolist()], counts=counts)
