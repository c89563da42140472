"""Read and write prediction files: JSONL, one claim a line.

Each line: ``{"doc_id", "start", "end", "type"}`` and optionally ``"claimant"``,
``"attribution"``, ``"text"``, ``"score"``, ``"id"``. Offsets are code-point offsets into
the document text, end exclusive. A bad line stops the reading with one message naming the
file, the line and the problem, e.g.
``preds.jsonl:17: unknown type "opinion" (expected one of quantity, prediction, position, event)``.

A line may instead give the claim as free text, without offsets (what an LLM writes):
``{"doc_id", "text", "type"}`` plus the same optional fields. Such a line is placed in its
document by ``bench.align`` (exact, normalised or fuzzy match; see there for the algorithm
and its threshold); the claim keeps its own ``text`` and takes the offsets found. One that
cannot be placed keeps ``start = end = -1`` and is spurious under every scheme. Lines with
and without offsets may be mixed. ``read_predictions_with_alignment`` also says, line by
line, how each claim was placed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .align import ALIGN_THRESHOLD, METHODS, DocumentIndex
from .claims import Claim, Document
from .corpus import iter_jsonl, paused_gc
from .errors import InputError
from .matching import check_threshold
from .records import claim_from_record, span_problem

# Method of a line that gave its own offsets; the others are bench.align.METHODS.
OFFSETS = "offsets"
ALIGNMENT_METHODS: tuple[str, ...] = (OFFSETS, *METHODS)


@dataclass(frozen=True, slots=True)
class AlignmentRecord:
    """How the claim on ``line`` of a predictions file was placed.

    ``index`` is its position in ``predictions[doc_id]``; ``score`` is None for a line with
    offsets; ``start``/``end`` are -1 for an unaligned line.
    """

    doc_id: str
    line: int
    index: int
    method: str
    score: float | None
    start: int
    end: int

    def to_dict(self) -> dict:
        return {
            "doc_id": self.doc_id, "line": self.line, "index": self.index, "method": self.method,
            "score": self.score, "start": self.start, "end": self.end,
        }


def read_predictions(path: Path | str, documents: Mapping[str, Document], *,
                     threshold: float = ALIGN_THRESHOLD) -> dict[str, list[Claim]]:
    """Claims by doc_id, with every document of ``documents`` present (empty list if none).

    ``threshold`` is the minimum fuzzy alignment score of free-text lines (``bench.align``).
    """
    return read_predictions_with_alignment(path, documents, threshold=threshold)[0]


@paused_gc()
def read_predictions_with_alignment(
    path: Path | str, documents: Mapping[str, Document], *, threshold: float = ALIGN_THRESHOLD,
) -> tuple[dict[str, list[Claim]], list[AlignmentRecord]]:
    """``read_predictions`` plus one ``AlignmentRecord`` a line, in file order."""
    threshold = check_threshold(threshold)
    path = Path(path)
    predictions: dict[str, list[Claim]] = {doc_id: [] for doc_id in documents}
    records: list[AlignmentRecord] = []
    indexes: dict[str, DocumentIndex] = {}
    for number, record in iter_jsonl(path):
        try:
            claim = claim_from_record(record, offsets_required=False)
        except InputError as exc:
            raise InputError(exc.message, path=path, line=number) from None
        if "start" not in record and "end" not in record:
            if claim.doc_id not in documents:
                raise InputError(f'unknown doc_id "{claim.doc_id}"', path=path, line=number)
            if claim.doc_id not in indexes:
                indexes[claim.doc_id] = DocumentIndex(documents[claim.doc_id].text)
            placed = indexes[claim.doc_id].align(claim.text, threshold)
            claim = replace(claim, start=placed.start, end=placed.end)
            method, score = placed.method, placed.score
        else:
            problem = span_problem(claim, documents)
            if problem:
                raise InputError(problem, path=path, line=number)
            method, score = OFFSETS, None
        doc_claims = predictions[claim.doc_id]
        records.append(AlignmentRecord(claim.doc_id, number, len(doc_claims), method, score, claim.start, claim.end))
        doc_claims.append(claim)
    if not records:
        raise InputError("empty file: no predictions", path=path)
    return predictions, records


def alignment_counts(records: Iterable[AlignmentRecord]) -> dict[str, int]:
    """How many lines each method placed, every method listed (0 if none)."""
    found = Counter(record.method for record in records)
    return {method: found[method] for method in ALIGNMENT_METHODS}


def as_given(claim: Claim, record: AlignmentRecord) -> dict:
    """The claim as its line gave it: a free-text line without the offsets alignment added.

    Writing these rows gives a file that reads back (and aligns again) to the same claims,
    where ``claim.to_dict()`` of an aligned claim would pair the found offsets with a text
    that differs from them.
    """
    row = claim.to_dict()
    if record.method != OFFSETS:
        del row["start"], row["end"]
    return row


def prediction_rows(predictions: Mapping[str, Sequence[Claim]],
                    alignment: Sequence[AlignmentRecord] | None = None) -> list[dict]:
    """Rows of a predictions file that reads back to the same claims.

    With the ``alignment`` of a file that was read, rows keep that file's order and its
    free-text lines stay free text (see ``as_given``); otherwise rows are sorted by
    (doc_id, start, end, type).
    """
    if alignment is not None:
        return [as_given(predictions[record.doc_id][record.index], record) for record in alignment]
    claims = sorted((c for doc_claims in predictions.values() for c in doc_claims),
                    key=lambda c: (c.doc_id, c.start, c.end, c.type))
    return [claim.to_dict() for claim in claims]
