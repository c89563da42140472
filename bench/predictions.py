"""Claim predictions: read from a JSONL file or taken from Python objects, checked, placed.

Each line: ``{"doc_id", "start", "end", "type"}`` and optionally ``"claimant"``,
``"attribution"``, ``"text"``, ``"score"``, ``"id"`` and ``"meta"`` (any JSON object of the
user's, kept and ignored). Offsets are code-point offsets into the document text, end
exclusive. Any other field is an error that names it (with a did-you-mean), so a misspelt
``"claimaint"`` is never dropped in silence. A bad line stops the reading with one message
naming the file, the line and the problem, e.g.
``preds.jsonl:17: unknown type "opinion" (expected one of quantity, prediction, position, event)``.

A line may instead give the claim as free text, without offsets (what an LLM writes):
``{"doc_id", "text", "type"}`` plus the same optional fields. Such a line is placed in its
document by ``bench.align`` (exact, normalised or fuzzy match; see there for the algorithm
and its threshold); the claim keeps its own ``text`` and takes the offsets found. One that
cannot be placed gets ``start = end = -1`` and is spurious under every scheme. Lines with
and without offsets may be mixed.

A model's output and an in-memory list of dicts go through the same checks as a file's
lines (``bench.checks.record_from_object`` writes each item as JSON and decodes it with
the file's decoder).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from .align import ALIGN_THRESHOLD, METHODS, DocumentIndex
from .records import Claim, Document
from .corpus import nfc_hint
from .errors import InputError
from .jsonio import decode_lines, line_number, paused_gc, read_bytes, to_jsonl
from .matching import check_threshold
from .checks import CLAIM_DECODER, claim_problem, explain, record_from_object

# Method of a line that gave its own offsets; the others are bench.align.METHODS.
OFFSETS = "offsets"
ALIGNMENT_METHODS: tuple[str, ...] = (OFFSETS, *METHODS)


@dataclass(slots=True)
class ClaimPredictions:
    """Checked predictions, placed in their documents.

    ``by_doc[doc_id]`` lists the claims of a document in input order (free-text claims
    carry the offsets found, -1 when unplaced); ``lines[doc_id]`` gives each one's line in
    ``source`` (the rows as given, which is what a run saves). ``alignment`` has a row per
    free-text line. ``warnings`` says what is legal but suspicious; the run shows and keeps it.
    """

    by_doc: dict[str, list[Claim]]
    lines: dict[str, list[int]]
    source: bytes
    alignment: list[dict] = field(default_factory=list)
    count: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def documents_predicted(self) -> int:
        return sum(1 for claims in self.by_doc.values() if claims)

    def alignment_counts(self) -> dict[str, int]:
        found = Counter(row["method"] for row in self.alignment)
        found[OFFSETS] = self.count - len(self.alignment)
        return {method: found[method] for method in ALIGNMENT_METHODS}

    def alignment_bytes(self) -> bytes:
        return to_jsonl(self.alignment)


def _explain_claim(obj: object) -> str | None:
    return explain(obj, Claim)


class _Placer:
    """Checks claims against their documents and places free-text ones, one document index each."""

    def __init__(self, documents: Mapping[str, Document], threshold: float):
        self.documents = documents
        self.threshold = check_threshold(threshold)
        self.indexes: dict[str, DocumentIndex] = {}
        self.texts = {doc_id: doc.text for doc_id, doc in documents.items()}

    def check(self, claim: Claim) -> str | None:
        if claim.doc_id is None:
            return 'missing field "doc_id"'
        text = self.texts.get(claim.doc_id)
        if text is None:
            return f'unknown doc_id "{claim.doc_id}"{nfc_hint(claim.doc_id, self.texts)}'
        return claim_problem(claim, text, free_text=True)

    def place(self, claim: Claim) -> tuple[Claim, dict | None]:
        """The claim with offsets (found by alignment for free text) and its alignment row, if any."""
        if claim.start is not None:
            return claim, None
        index = self.indexes.get(claim.doc_id)
        if index is None:
            index = self.indexes[claim.doc_id] = DocumentIndex(self.texts[claim.doc_id])
        placed = index.align(claim.text, self.threshold)
        row = {"doc_id": claim.doc_id, "method": placed.method, "score": placed.score,
               "start": placed.start, "end": placed.end}
        return msgspec.structs.replace(claim, start=placed.start, end=placed.end), row


@paused_gc()
def read_predictions(path: Path | str, documents: Mapping[str, Document], *,
                     threshold: float = ALIGN_THRESHOLD, data: bytes | None = None) -> ClaimPredictions:
    """The claims of a predictions file, every line checked; ``threshold`` is the alignment's minimum."""
    data = read_bytes(path) if data is None else data
    records, numbers = decode_lines(path, CLAIM_DECODER, _explain_claim, data=data)
    if not records:
        raise InputError("empty file: no predictions", path=path)
    placer = _Placer(documents, threshold)
    check, place = placer.check, placer.place
    by_doc: dict[str, list[Claim]] = {doc_id: [] for doc_id in documents}
    lines: dict[str, list[int]] = {doc_id: [] for doc_id in documents}
    alignment = []
    for index, claim in enumerate(records):
        problem = check(claim)
        if problem:
            raise InputError(problem, path=path, line=line_number(numbers, index))
        number = line_number(numbers, index)
        if claim.start is None:
            claim, row = place(claim)
            alignment.append({"line": number, **row})
        by_doc[claim.doc_id].append(claim)
        lines[claim.doc_id].append(number)
    return ClaimPredictions(by_doc, lines, data, alignment, len(records),
                            _repeated_ids(by_doc, lines, lambda line: f"{path}:{line}"))


def predictions_from_objects(items: Iterable[object], documents: Mapping[str, Document], *,
                             threshold: float = ALIGN_THRESHOLD, where: str = "predictions",
                             doc_id: str | None = None) -> ClaimPredictions:
    """Predictions from Python objects (dicts, ``Claim``), checked exactly as file lines are.

    ``where`` names the source in messages (``predictions[3]: …``); ``doc_id`` fills a
    missing doc_id (a model's output for one document).
    """
    placer = _Placer(documents, threshold)
    by_doc: dict[str, list[Claim]] = {d: [] for d in documents}
    lines: dict[str, list[int]] = {d: [] for d in documents}
    given: list[Claim] = []
    alignment = []
    for index, item in enumerate(items):
        try:
            claim = record_from_object(item, Claim, doc_id=doc_id)
            problem = placer.check(claim)
            if problem:
                raise InputError(problem)
        except InputError as exc:
            raise InputError(f"{where}[{index}]: {exc.message}") from None
        given.append(claim)
        if claim.start is None:
            claim, row = placer.place(claim)
            alignment.append({"line": len(given), **row})
        by_doc[claim.doc_id].append(claim)
        lines[claim.doc_id].append(len(given))
    return ClaimPredictions(by_doc, lines, to_jsonl(given), alignment, len(given),
                            _repeated_ids(by_doc, lines, lambda line: f"{where}[{line - 1}]"))


def _repeated_ids(by_doc: dict[str, list[Claim]], lines: dict[str, list[int]],
                  place: Callable[[int], str]) -> list[str]:
    """Legal, but suspicious: an id given twice in one document (links then tell the claims apart by line)."""
    repeated = []
    for doc_id, claims in by_doc.items():
        ids = [c.id for c in claims if c.id is not None]
        if len(set(ids)) == len(ids):
            continue
        seen = set()
        for claim, line in zip(claims, lines[doc_id]):
            if claim.id is not None:
                if claim.id in seen:
                    repeated.append((line, doc_id, claim.id))
                seen.add(claim.id)
    if not repeated:
        return []
    line, doc_id, name = min(repeated)
    more = f" ({len(repeated)} repeated ids in all)" if len(repeated) > 1 else ""
    return [f'{place(line)}: id "{name}" was already given in document {doc_id}{more}; '
            "ids should be unique within a document"]


def merge(parts: Sequence[ClaimPredictions], documents: Mapping[str, Document]) -> ClaimPredictions:
    """Per-document predictions (a model's, one document at a time) as one set, lines renumbered."""
    by_doc: dict[str, list[Claim]] = {d: [] for d in documents}
    lines: dict[str, list[int]] = {d: [] for d in documents}
    chunks, alignment, offset = [], [], 0
    found = [w for part in parts for w in part.warnings]  # one a document at most: shown once
    warnings = found[:1] if len(found) < 2 else [f"{found[0]} (and in {len(found) - 1} more documents)"]
    for part in parts:
        for doc_id, claims in part.by_doc.items():
            by_doc[doc_id].extend(claims)
            lines[doc_id].extend(n + offset for n in part.lines[doc_id])
        alignment.extend(row | {"line": row["line"] + offset} for row in part.alignment)
        chunks.append(part.source)
        offset += part.count
    return ClaimPredictions(by_doc, lines, b"".join(chunks), alignment, offset, warnings)


def check_predictions(path: Path | str, documents: Mapping[str, Document], *, threshold: float = ALIGN_THRESHOLD,
                      limit: int = 20) -> list[str]:
    """Every problem of a predictions file, one line each, at most ``limit`` (``bench score --check``)."""
    from .jsonio import decode_one, line_problems

    placer = _Placer(documents, threshold)
    return line_problems(path, lambda raw: placer.check(decode_one(raw, CLAIM_DECODER, _explain_claim)), limit=limit)
