"""Turn JSON records into claims and say exactly what is wrong with a bad one.

Gold files, prediction files and model outputs all pass through these checks, so a
problem reads the same wherever it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping

from .claims import ATTRIBUTIONS, CLAIM_TYPES, Claim, Document
from .errors import InputError

_OPTIONAL_STR = ("claimant", "text", "id")
_TYPES = frozenset(CLAIM_TYPES)
_ATTRIBUTIONS = frozenset(ATTRIBUTIONS)


def _unknown(field: str, value: object, allowed: tuple[str, ...]) -> InputError:
    return InputError(f'unknown {field} {_show(value)} (expected one of {", ".join(allowed)})')


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _offset(record: dict, name: str) -> int:
    value = record.get(name)
    if type(value) is not int:  # bool is not int here, as JSON true is not a number
        if name not in record:
            raise InputError(f'missing field "{name}"')
        raise InputError(f'field "{name}" must be an integer, got {_show(value)}')
    return value


def claim_from_record(record: object, *, doc_id: str | None = None, offsets_required: bool = True) -> Claim:
    """Build a Claim from a decoded JSON object; raise InputError naming the field at fault.

    ``doc_id`` is given for gold files, where the document is named once per file.
    Without ``offsets_required``, ``start``/``end`` may be absent (free-text predictions);
    such claims carry ``start = end = -1`` until aligned. Files hold hundreds of thousands of
    records, so each check is a type test or a set look-up.
    """
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, got {type(record).__name__}")
    get = record.get
    if doc_id is None:
        doc_id = get("doc_id")
        if type(doc_id) is not str:
            if doc_id is None:
                raise InputError('missing field "doc_id"')
            raise InputError(f'field "doc_id" must be a string, got {_show(doc_id)}')
    if offsets_required or "start" in record or "end" in record:
        start, end = _offset(record, "start"), _offset(record, "end")
    elif type(get("text")) is not str:
        raise InputError('missing field "text" (needed when "start" and "end" are absent)')
    else:
        start = end = -1
    claim_type = get("type")
    if type(claim_type) is not str or claim_type not in _TYPES:
        if "type" not in record:
            raise InputError('missing field "type"')
        raise _unknown("type", claim_type, CLAIM_TYPES)
    for name in _OPTIONAL_STR:
        value = get(name)
        if value is not None and type(value) is not str:
            raise InputError(f'field "{name}" must be a string, got {_show(value)}')
    attribution = get("attribution")
    if attribution is not None and (type(attribution) is not str or attribution not in _ATTRIBUTIONS):
        if type(attribution) is not str:
            raise InputError(f'field "attribution" must be a string, got {_show(attribution)}')
        raise _unknown("attribution", attribution, ATTRIBUTIONS)
    score = get("score")
    if score is not None and type(score) not in (int, float):
        raise InputError(f'field "score" must be a number, got {_show(score)}')
    return Claim(doc_id, start, end, claim_type, get("claimant"), attribution, get("text"), get("id"),
                 None if score is None else float(score))


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
