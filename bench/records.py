"""Turn JSON records into claims and say exactly what is wrong with a bad one.

Gold files, prediction files and model outputs all pass through these checks, so a
problem reads the same wherever it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping

from .claims import ATTRIBUTIONS, CLAIM_TYPES, Claim, Document
from .errors import InputError

_OPTIONAL_STR = ("claimant", "attribution", "text", "id")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _choice_problem(field: str, value: object, allowed: tuple[str, ...]) -> str | None:
    if value in allowed:
        return None
    return f'unknown {field} {_show(value)} (expected one of {", ".join(allowed)})'


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def claim_from_record(record: object, *, doc_id: str | None = None, offsets_required: bool = True) -> Claim:
    """Build a Claim from a decoded JSON object; raise InputError naming the field at fault.

    ``doc_id`` is given for gold files, where the document is named once per file.
    Without ``offsets_required``, ``start``/``end`` may be absent (free-text predictions);
    such claims carry ``start = end = -1`` until aligned.
    """
    if not isinstance(record, Mapping):
        raise InputError(f"expected a JSON object, got {type(record).__name__}")
    if doc_id is None:
        doc_id = record.get("doc_id")
        if doc_id is None:
            raise InputError('missing field "doc_id"')
        if not isinstance(doc_id, str):
            raise InputError(f'field "doc_id" must be a string, got {_show(doc_id)}')
    has_offsets = "start" in record or "end" in record
    if offsets_required or has_offsets:
        for name in ("start", "end"):
            if name not in record:
                raise InputError(f'missing field "{name}"')
            if not _is_int(record[name]):
                raise InputError(f'field "{name}" must be an integer, got {_show(record[name])}')
        start, end = record["start"], record["end"]
    else:
        if not isinstance(record.get("text"), str):
            raise InputError('missing field "text" (needed when "start" and "end" are absent)')
        start = end = -1
    if "type" not in record:
        raise InputError('missing field "type"')
    problem = _choice_problem("type", record["type"], CLAIM_TYPES)
    if problem:
        raise InputError(problem)
    for name in _OPTIONAL_STR:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise InputError(f'field "{name}" must be a string, got {_show(value)}')
    if record.get("attribution") is not None:
        problem = _choice_problem("attribution", record["attribution"], ATTRIBUTIONS)
        if problem:
            raise InputError(problem)
    score = record.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        raise InputError(f'field "score" must be a number, got {_show(score)}')
    return Claim(
        doc_id=doc_id,
        start=start,
        end=end,
        type=record["type"],
        claimant=record.get("claimant"),
        attribution=record.get("attribution"),
        text=record.get("text"),
        id=record.get("id"),
        score=None if score is None else float(score),
    )


def span_problem(claim: Claim, documents: Mapping[str, Document]) -> str | None:
    """The first thing wrong with where a claim points, or None."""
    document = documents.get(claim.doc_id)
    if document is None:
        return f'unknown doc_id "{claim.doc_id}"'
    if not 0 <= claim.start < claim.end <= len(document.text):
        return (
            f"offsets {claim.start}-{claim.end} outside the text or empty "
            f"(need 0 <= start < end <= {len(document.text)})"
        )
    if claim.text is not None and document.text[claim.start : claim.end] != claim.text:
        return f"text does not match offsets {claim.start}-{claim.end}"
    return None


def check_claim(claim: Claim, documents: Mapping[str, Document]) -> Claim:
    """Raise InputError if the claim does not point at its document correctly."""
    problem = span_problem(claim, documents)
    if problem:
        raise InputError(problem)
    return claim
