"""Predictions of a per-document task (claims, quantity mentions): the one reader of records.

A file is JSONL, one record a line; every line is decoded by msgspec against the record's
typed schema and then checked against its document (``bench.checks``). A bad line stops the
reading with one message naming the file, the line and the problem, e.g.
``preds.jsonl:17: unknown type "opinion" (expected one of quantity, prediction, position, event)``.
Any field the record does not have is an error that names it, so a misspelt
``"claimaint"`` is never dropped in silence.

A claim may be given as free text, without offsets (what an LLM writes): it is placed in its
document by ``bench.align`` (exact, normalised or fuzzy match; see there for the algorithm
and its threshold) and keeps its own ``text``; one that cannot be placed gets
``start = end = -1`` and is spurious under every scheme.

The same ``PredictionsBuilder`` takes a file's records, records given in memory, and a
model's output one document at a time (``add_document``): a model's output and a file's
lines obey exactly the same rules, and a run of any size builds nothing per document over
the whole corpus. Records are kept grouped by document, in doc_id order, each document's
in the order given; ``lines`` says where each is in ``source``, the bytes a run saves.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import numpy as np

from ..align import ALIGN_THRESHOLD, METHODS, DocumentIndex
from ..checks import explain, record_from_object
from ..corpus.documents import nfc_hint
from ..exceptions import InputError
from ..jsonio import decode_lines, decode_one, line_number, line_problems, read_bytes, to_jsonl
from ..matching import check_threshold
from ..records import Document

# Method of a line that gave its own offsets; the others are bench.align.METHODS.
OFFSETS = "offsets"
ALIGNMENT_METHODS: tuple[str, ...] = (OFFSETS, *METHODS)


@dataclass(frozen=True, slots=True)
class RecordKind:
    """What a task's records are: their type, decoder, rules, and whether free text is placed."""

    record_type: type
    decoder: msgspec.json.Decoder
    problem: Callable[[object, str], str | None]  # (record, document text) -> what is wrong, or None
    free_text: bool = False

    def explain(self, obj: object) -> str | None:
        return explain(obj, self.record_type)


@dataclass(slots=True)
class Predictions:
    """Checked predictions of a per-document task, grouped by document.

    ``records`` holds every document's records in turn (doc_id order), placed: a free-text
    claim carries the offsets found, -1 when unplaced. ``offsets[k]`` is where document
    ``k``'s start; ``lines`` gives each one's line in ``source`` (the rows as given, which
    is what a run saves). ``alignment`` has a row per free-text line, ``warnings`` what is
    legal but suspicious (the run shows and keeps it).
    """

    doc_ids: list[str]
    records: list
    offsets: np.ndarray
    lines: np.ndarray
    source: bytes
    alignment: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    digest: str = ""  # SHA-256 of the records as given, written canonically: a file and the same records agree

    @property
    def count(self) -> int:
        return len(self.records)

    def of(self, k: int) -> list:
        """The records of the k-th document."""
        return self.records[self.offsets[k]:self.offsets[k + 1]]

    @property
    def by_doc(self) -> dict[str, list]:
        return {doc_id: self.of(k) for k, doc_id in enumerate(self.doc_ids)}

    @property
    def lines_by_doc(self) -> dict[str, list[int]]:
        """Each document's lines in ``source``, in the order its records are kept."""
        return {doc_id: self.lines[self.offsets[k]:self.offsets[k + 1]].tolist()
                for k, doc_id in enumerate(self.doc_ids)}

    @property
    def counts(self) -> list[int]:
        return np.diff(self.offsets).tolist()

    @property
    def documents_predicted(self) -> int:
        return int(np.count_nonzero(np.diff(self.offsets)))

    def alignment_counts(self) -> dict[str, int]:
        found = Counter(row["method"] for row in self.alignment)
        found[OFFSETS] = self.count - len(self.alignment)
        return {method: found[method] for method in ALIGNMENT_METHODS}

    def alignment_bytes(self) -> bytes:
        return to_jsonl(self.alignment)


class PredictionsBuilder:
    """Records checked against their documents, free text placed, grouped by document as they come."""

    def __init__(self, kind: RecordKind, documents: Mapping[str, Document], doc_ids: list[str], *,
                 threshold: float = ALIGN_THRESHOLD):
        self.kind = kind
        self.documents = documents
        self.doc_ids = list(doc_ids)
        self.threshold = check_threshold(threshold)
        self._at = {doc_id: k for k, doc_id in enumerate(self.doc_ids)}
        n = len(self.doc_ids)
        self._records: list[list] = [[] for _ in range(n)]
        self._lines: list[list[int]] = [[] for _ in range(n)]
        self._alignment: list[list[dict]] = [[] for _ in range(n)]
        self._given: list[bytes | None] = [None] * n  # a model's output of each document, as saved

    def problem(self, record) -> str | None:
        doc_id = record.doc_id
        if doc_id is None:
            return 'missing field "doc_id"'
        document = self.documents.get(doc_id)
        if document is None:
            return f'unknown doc_id "{doc_id}"{nfc_hint(doc_id, self.documents)}'
        return self.kind.problem(record, document.text)

    def add(self, record, line: int, index: DocumentIndex | None = None) -> DocumentIndex | None:
        """A checked record of a file at ``line``; returns the document index used to place it, if any."""
        k = self._at[record.doc_id]
        if self.kind.free_text and record.start is None:
            if index is None:
                index = DocumentIndex(self.documents[record.doc_id].text)
            placed = index.align(record.text, self.threshold)
            self._alignment[k].append({"line": line, "doc_id": record.doc_id, "method": placed.method,
                                    "score": placed.score, "start": placed.start, "end": placed.end})
            record = msgspec.structs.replace(record, start=placed.start, end=placed.end)
        self._records[k].append(record)
        self._lines[k].append(line)
        return index

    def add_document_records(self, k: int, records: list, lines: list[int]) -> None:
        """Checked records of the k-th document with their lines, in order: ``add`` for each, in bulk
        when none is free text to place."""
        if self.kind.free_text and any(record.start is None for record in records):
            index = None  # one document index alive at once
            for record, line in zip(records, lines):
                index = self.add(record, line, index)
            return
        self._records[k].extend(records)
        self._lines[k].extend(lines)

    def add_document(self, doc_id: str, items: Iterable[object], *, where: str) -> list:
        """One document's records from Python objects (a model's output), checked as file lines are;
        returns them as given (before placing), which is what a run saves.

        ``where`` names the source in messages (``model "x", document "d", item[3]: …``).
        """
        k = self._at[doc_id]
        given = []
        index = None
        for n, item in enumerate(items):
            try:
                record = record_from_object(item, self.kind.record_type, doc_id=doc_id)
                problem = self.problem(record)
                if problem:
                    raise InputError(problem)
                if record.doc_id != doc_id:
                    raise InputError(f'doc_id "{record.doc_id}" is not the document predicted')
            except InputError as exc:
                raise InputError(f"{where}[{n}]: {exc.message}") from None
            given.append(record)
            index = self.add(record, -(n + 1), index)  # lines are numbered when the run is assembled
        self._given[k] = to_jsonl(given)
        return given

    def finish(self, source: bytes | None = None, *, given: list | None = None,
               place: Callable[[int, str], str] | None = None) -> Predictions:
        """The predictions; ``source`` is the file read (None: the documents added, in order, as JSONL),
        ``given`` its records as decoded, in file order (what the digest is of).

        ``place(line, doc_id)`` names a record in the warning about repeated ids (default ``line N``).
        """
        if source is None:  # a model's output or records in memory: number the lines in document order
            chunks, line = [], 0
            for k, given in enumerate(self._given):
                lines = self._lines[k]
                for row in self._alignment[k]:
                    row["line"] = line - row["line"]  # -(j + 1) becomes line + j + 1
                self._lines[k] = [line - n for n in lines]
                line += len(lines)
                if given:
                    chunks.append(given)
            source = b"".join(chunks)
        records = [r for group in self._records for r in group]
        lines = np.fromiter((n for group in self._lines for n in group), np.int64, len(records))
        offsets = np.concatenate(([0], np.cumsum([len(group) for group in self._records]))).astype(np.int64)
        alignment = sorted((row for rows in self._alignment for row in rows), key=lambda row: row["line"])
        warnings = _repeated_ids(self.doc_ids, self._records, self._lines, place or (lambda n, doc_id: f"line {n}"))
        canonical = source if given is None else to_jsonl(given)
        return Predictions(self.doc_ids, records, offsets, lines, source, alignment, warnings,
                           hashlib.sha256(canonical).hexdigest())


def read_predictions(path: Path | str, kind: RecordKind, documents: Mapping[str, Document], doc_ids: list[str], *,
                     threshold: float = ALIGN_THRESHOLD, data: bytes | None = None) -> Predictions:
    """The records of a predictions file, every line checked. A file without any line is legal (a model
    that found nothing writes one); a run says it covers no document."""
    data = read_bytes(path) if data is None else data
    records, numbers = decode_lines(path, kind.decoder, kind.explain, data=data)
    builder = PredictionsBuilder(kind, documents, doc_ids, threshold=threshold)
    problem = builder.problem
    for index, record in enumerate(records):
        found = problem(record)
        if found:
            raise InputError(found, path=path, line=line_number(numbers, index))
    lines = np.arange(1, len(records) + 1) if numbers is None else np.asarray(numbers, np.int64)
    # place free text one document at a time: one document index alive at once
    doc = np.fromiter(map(builder._at.__getitem__, (r.doc_id for r in records)), np.int64, len(records))
    order = np.argsort(doc, kind="stable")
    ordered, lines = list(map(records.__getitem__, order.tolist())), lines[order].tolist()
    bounds = np.r_[0, np.cumsum(np.bincount(doc, minlength=len(builder.doc_ids)))].tolist()
    for k in np.flatnonzero(np.diff(bounds)).tolist():
        builder.add_document_records(k, ordered[bounds[k]:bounds[k + 1]], lines[bounds[k]:bounds[k + 1]])
    return builder.finish(data, given=records, place=lambda n, doc_id: f"{path}:{n}")


def predictions_from_objects(items: Iterable[object], kind: RecordKind, documents: Mapping[str, Document],
                             doc_ids: list[str], *, threshold: float = ALIGN_THRESHOLD,
                             where: str = "predictions") -> Predictions:
    """Records given in memory (dicts, records), checked exactly as file lines are."""
    builder = PredictionsBuilder(kind, documents, doc_ids, threshold=threshold)
    given: list[tuple[int, object]] = []
    for n, item in enumerate(items):
        try:
            record = record_from_object(item, kind.record_type)
            problem = builder.problem(record)
            if problem:
                raise InputError(problem)
        except InputError as exc:
            raise InputError(f"{where}[{n}]: {exc.message}") from None
        given.append((n, record))
    order = sorted(given, key=lambda pair: (builder._at[pair[1].doc_id], pair[0]))
    index, current = None, None
    for n, record in order:
        if record.doc_id != current:
            index, current = None, record.doc_id
        index = builder.add(record, n + 1, index)
    source = to_jsonl([record for _, record in given])
    return builder.finish(source, place=lambda n, doc_id: f"{where}[{n - 1}]")


def check_predictions(path: Path | str, kind: RecordKind, documents: Mapping[str, Document], *,
                      limit: int = 20) -> list[str]:
    """Every problem of a predictions file, one line each, at most ``limit`` (``bench score --check``)."""
    builder = PredictionsBuilder(kind, documents, sorted(documents))
    return line_problems(path, lambda raw: builder.problem(decode_one(raw, kind.decoder, kind.explain)), limit=limit)


def _repeated_ids(doc_ids: list[str], records: list[list], lines: list[list[int]],
                  place: Callable[[int, str], str]) -> list[str]:
    """Legal, but suspicious: an id given twice in one document (links then tell the records apart by line)."""
    repeated = []
    for doc_id, group, numbers in zip(doc_ids, records, lines):
        ids = [r.id for r in group if r.id is not None]
        if len(set(ids)) == len(ids):
            continue
        seen = set()
        for record, line in zip(group, numbers):
            if record.id is not None:
                if record.id in seen:
                    repeated.append((line, doc_id, record.id))
                seen.add(record.id)
    if not repeated:
        return []
    line, doc_id, name = min(repeated)
    more = f" ({len(repeated)} repeated ids in all)" if len(repeated) > 1 else ""
    return [f'{place(line, doc_id)}: id "{name}" was already given in document {doc_id}{more}; '
            "ids should be unique within a document"]
