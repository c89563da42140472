"""The outcome of every gold record and every prediction, by scheme: the one owner of ``outcomes.npz``.

Outcomes are stored as references, never as copies of the records: a gold record is its
position in the gold (documents in doc_id order, each in file order), a prediction its line
in the run's ``predictions.jsonl``. The arrays:

- ``doc_ids``: the documents, in scoring order;
- ``gold_offsets``, ``pred_offsets``: where each document's gold records and predictions
  start (length documents + 1);
- ``pred_line``: each prediction's line in ``predictions.jsonl``;
- per scheme, ``<scheme>.gold_kind`` and ``<scheme>.pred_kind``: the outcome code of each
  gold record and each prediction, and ``<scheme>.gold_pred``: the prediction a gold record
  was paired with (-1 for none).

Outcome codes are positions in ``OUTCOMES`` (``bench.matching``), named in ``CODES``:

- 0 ``matched``: a gold record and a prediction that agree under the scheme;
- 1 ``wrong_type``: their spans agree but the predicted type differs (both sides get it);
- 2 ``boundary``: their spans overlap, too little to count (both sides get it);
- 3 ``missed``: a gold record no prediction found;
- 4 ``spurious``: a prediction with no gold record.

A gold record's ``gold_pred`` names the prediction it was paired with (matched, wrong type or
boundary), -1 for none. ``bench errors`` lists every record with its outcome. A file read back
is checked: every array present, every index in range, every code known.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import InputError
from ..matching import OUTCOMES, SPURIOUS
from ..records import Corpus

KINDS = ("gold_kind", "gold_pred", "pred_kind")
CODES: dict[int, str] = dict(enumerate(OUTCOMES))  # outcome code -> name, as stored in outcomes.npz


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A NumPy ``.npz`` (zip of ``.npy``), deflated quickly."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def read_npz(data: bytes, path) -> dict[str, np.ndarray]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as found:
            return {name: found[name] for name in found.files}
    except Exception as exc:  # a damaged zip or array: any of several exception types
        raise InputError(f"damaged or unreadable: {type(exc).__name__}", path=path) from None


@dataclass(slots=True)
class Outcomes:
    """Outcome arrays of one scoring (see the module docstring)."""

    doc_ids: list[str]
    gold_offsets: np.ndarray
    pred_offsets: np.ndarray
    pred_line: np.ndarray
    schemes: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def frame(cls, doc_ids: list[str], gold_counts, pred_counts, pred_line) -> Outcomes:
        """Empty outcomes for documents holding ``gold_counts`` and ``pred_counts`` records."""
        def offsets(counts) -> np.ndarray:
            return np.concatenate(([0], np.cumsum(np.asarray(counts, np.int64)))).astype(np.int64)

        return cls(list(doc_ids), offsets(gold_counts), offsets(pred_counts), np.asarray(pred_line, np.int64))

    @property
    def n_gold(self) -> int:
        return int(self.gold_offsets[-1])

    @property
    def n_pred(self) -> int:
        return int(self.pred_offsets[-1])

    def add(self, scheme: str, outcome) -> None:
        """The outcomes of one scheme, from a ``bench.matching.Classification`` (indices in scoring order)."""
        gold_kind = np.full(self.n_gold, -1, np.int8)
        gold_pred = np.full(self.n_gold, -1, np.int64)
        pred_kind = np.full(self.n_pred, -1, np.int8)
        has_gold, has_pred = outcome.gold >= 0, outcome.pred >= 0
        gold_kind[outcome.gold[has_gold]] = outcome.kind[has_gold]
        gold_pred[outcome.gold[has_gold]] = outcome.pred[has_gold]
        pred_kind[outcome.pred[has_pred]] = outcome.kind[has_pred]
        small = np.int32 if max(self.n_gold, self.n_pred) < 2 ** 31 else np.int64
        self.schemes[scheme] = {"gold_kind": gold_kind, "gold_pred": gold_pred.astype(small), "pred_kind": pred_kind}

    def to_npz(self) -> bytes:
        arrays = {"doc_ids": np.array(self.doc_ids, dtype=str), "gold_offsets": self.gold_offsets,
                  "pred_offsets": self.pred_offsets, "pred_line": self.pred_line}
        for scheme, kinds in self.schemes.items():
            arrays |= {f"{scheme}.{kind}": kinds[kind] for kind in KINDS}
        return npz_bytes(arrays)

    @classmethod
    def from_npz(cls, data: bytes, path) -> Outcomes:
        """Outcomes read back, every array checked; an ``InputError`` naming the damage."""
        arrays = read_npz(data, path)
        problem = _problem(arrays)
        if problem:
            raise InputError(f"damaged outcomes: {problem}", path=path)
        schemes: dict[str, dict[str, np.ndarray]] = {}
        for name, array in arrays.items():
            scheme, dot, kind = name.rpartition(".")
            if dot:
                schemes.setdefault(scheme, {})[kind] = array
        return cls([str(d) for d in arrays["doc_ids"].tolist()], arrays["gold_offsets"].astype(np.int64),
                   arrays["pred_offsets"].astype(np.int64), arrays["pred_line"].astype(np.int64), schemes)

    def scheme(self, scheme: str, path=None) -> dict[str, np.ndarray]:
        found = self.schemes.get(scheme)
        if found is None:
            raise InputError(f'the run has no "{scheme}" outcomes', path=path)
        return found

    def fits(self, corpus: Corpus, gold_counts: list[int], pred_counts: list[int]) -> bool:
        """Whether these outcomes describe these documents, gold records and predictions."""
        return (self.doc_ids == corpus.doc_ids and np.diff(self.gold_offsets).tolist() == gold_counts
                and np.diff(self.pred_offsets).tolist() == pred_counts)

    def document_counts(self, scheme: str) -> np.ndarray:
        """counts[document, outcome]: gold records by their outcome, plus the spurious predictions (a pair counts once)."""
        kinds = self.scheme(scheme)
        n_docs = len(self.doc_ids)
        gold_doc = np.repeat(np.arange(n_docs), np.diff(self.gold_offsets))
        pred_doc = np.repeat(np.arange(n_docs), np.diff(self.pred_offsets))
        table = np.zeros((n_docs, len(OUTCOMES)), np.int64)
        np.add.at(table, (gold_doc, kinds["gold_kind"].astype(np.int64)), 1)
        alone = kinds["pred_kind"] == OUTCOMES.index(SPURIOUS)
        np.add.at(table, (pred_doc[alone], kinds["pred_kind"][alone].astype(np.int64)), 1)
        return table


def _problem(arrays: dict[str, np.ndarray]) -> str | None:
    """What makes outcome arrays unusable: a missing table, a shape or an index out of range."""
    for name in ("doc_ids", "gold_offsets", "pred_offsets", "pred_line"):
        if name not in arrays:
            return f'no "{name}"'
    gold, preds = arrays["gold_offsets"], arrays["pred_offsets"]
    for offsets in (gold, preds):
        if (offsets.ndim != 1 or offsets.dtype.kind not in "iu" or len(offsets) != len(arrays["doc_ids"]) + 1
                or offsets[0] != 0 or np.any(np.diff(offsets) < 0)):
            return "offsets out of order"
    n_gold, n_pred = int(gold[-1]), int(preds[-1])
    if arrays["pred_line"].shape != (n_pred,):
        return "a line number for each prediction is missing"
    schemes = {name.rpartition(".")[0] for name in arrays if "." in name}
    for scheme in schemes:
        for kind, (size, high) in {"gold_kind": (n_gold, len(OUTCOMES)), "pred_kind": (n_pred, len(OUTCOMES)),
                                   "gold_pred": (n_gold, n_pred)}.items():
            array = arrays.get(f"{scheme}.{kind}")
            if array is None:
                return f'no "{scheme}.{kind}"'
            if array.shape != (size,) or array.dtype.kind not in "iu" or (
                    size and not -1 <= array.min() <= array.max() < high):
                return f'"{scheme}.{kind}" does not fit the records it describes'
        if n_gold and np.any(arrays[f"{scheme}.gold_kind"] < 0):
            return f'"{scheme}.gold_kind" leaves a gold record without an outcome'
    return None
