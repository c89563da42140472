"""Read and write prediction files: JSONL, one claim a line.

Each line: ``{"doc_id", "start", "end", "type"}`` and optionally ``"claimant"``,
``"attribution"``, ``"text"``, ``"score"``, ``"id"``. Offsets are code-point offsets into
the document text, end exclusive. A bad line stops the reading with one message naming the
file, the line and the problem, e.g.
``preds.jsonl:17: unknown type "opinion" (expected one of quantity, prediction, position, event)``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from .claims import Claim, Document
from .corpus import iter_jsonl
from .errors import InputError
from .records import claim_from_record, span_problem


def read_predictions(path: Path | str, documents: Mapping[str, Document]) -> dict[str, list[Claim]]:
    """Claims by doc_id, with every document of ``documents`` present (empty list if none)."""
    path = Path(path)
    predictions: dict[str, list[Claim]] = {doc_id: [] for doc_id in documents}
    lines = 0
    for number, record in iter_jsonl(path):
        lines += 1
        try:
            claim = claim_from_record(record)
        except InputError as exc:
            raise InputError(exc.message, path=path, line=number) from None
        problem = span_problem(claim, documents)
        if problem:
            raise InputError(problem, path=path, line=number)
        predictions[claim.doc_id].append(claim)
    if not lines:
        raise InputError("empty file: no predictions", path=path)
    return predictions


def write_predictions(path: Path | str, predictions: Mapping[str, Sequence[Claim]]) -> Path:
    """Write claims in the format ``read_predictions`` reads, sorted by (doc_id, start, end, type)."""
    path = Path(path)
    claims = sorted(
        (claim for doc_claims in predictions.values() for claim in doc_claims),
        key=lambda c: (c.doc_id, c.start, c.end, c.type),
    )
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for claim in claims:
            out.write(json.dumps(claim.to_dict(), ensure_ascii=False) + "\n")
    return path
