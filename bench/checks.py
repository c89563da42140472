"""What a claim or quantity record must be, and exactly what is wrong with a bad one.

Gold files, prediction files, in-memory predictions and model outputs all pass through
here, so a problem reads the same wherever it comes from. msgspec checks the shape of
each record in C while decoding (``bench.jsonio``); the rules that need the document
(offsets inside the text, the text matching them) and the allowed values are
``claim_problem`` and ``quantity_problem``, so the words of every message come from here.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping

import msgspec

from .records import ATTRIBUTIONS, CLAIM_TYPES, Claim, Quantity
from .exceptions import InputError, show
from .jsonio import decode_one

CLAIM_TYPE_SET = frozenset(CLAIM_TYPES)
ATTRIBUTION_SET = frozenset(ATTRIBUTIONS)
_KINDS = {str: "a string", int: "an integer", float: "a number", bool: "true or false", dict: "a JSON object",
          list: "a list"}


FIELDS: dict[type, dict[str, type]] = {
    Claim: {"doc_id": str, "start": int, "end": int, "type": str, "claimant": str, "attribution": str,
            "text": str, "id": str, "score": float, "meta": dict},
    Quantity: {"start": int, "end": int, "low": float, "high": float, "low_inclusive": bool,
               "high_inclusive": bool, "approximate": bool, "unit": str, "counted": str, "doc_id": str,
               "id": str, "text": str, "claim": str, "score": float, "meta": dict},
}
for _type, _kinds in FIELDS.items():  # one list of names: the records themselves
    assert list(_kinds) == [f.name for f in msgspec.structs.fields(_type)], _type
REQUIRED: dict[type, tuple[str, ...]] = {Claim: (), Quantity: ("start", "end")}


def did_you_mean(name: str, known) -> str:
    hint = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f' (did you mean "{hint[0]}"?)' if hint else ""


def explain(obj: object, record_type: type = Claim, *, kinds: Mapping[str, type] | None = None,
            required: tuple[str, ...] | None = None) -> str | None:
    """The first problem of a decoded JSON value as a ``record_type``; None if msgspec would accept it.

    ``kinds`` and ``required`` describe other record types (documents, gold documents).
    """
    if not isinstance(obj, dict):
        kind = "null" if obj is None else _KINDS.get(type(obj), type(obj).__name__).removeprefix("a ").removeprefix("an ")
        return f"expected a JSON object, got {kind}"
    kinds = FIELDS[record_type] if kinds is None else kinds
    required = REQUIRED[record_type] if required is None else required
    for name in obj:
        if name not in kinds:
            return (f'unknown field {show(name)}{did_you_mean(name, kinds)}; '
                    'put extra data under "meta", which is kept and ignored')
    for name in required:
        if obj.get(name) is None:
            return f'missing field "{name}"'
    for name, value in obj.items():
        problem = _type_problem(name, value, kinds[name])
        if problem:
            return problem
    return None


def _type_problem(name: str, value: object, kind: type) -> str | None:
    if value is None:
        return None
    ok = (type(value) is kind or (kind is float and type(value) is int))
    if not ok:
        return f'field "{name}" must be {_KINDS[kind]}, got {show(value)}'
    if kind is int and not -(2 ** 63) <= value < 2 ** 63:
        return f'field "{name}" is out of range ({len(str(abs(value)))} digits)'
    if kind is float:
        return number_problem(name, value)
    return None


# Numbers a record may hold (a quantity's bounds, a score): finite, and at most this in size. A
# quantity beyond it (a quintillion) is no figure a news article states.
MAX_NUMBER = 1e18


def number_problem(name: str, value: int | float) -> str | None:
    """What is wrong with a number of a record: not finite, or beyond ``MAX_NUMBER``; None if nothing."""
    if type(value) is int and abs(value) > MAX_NUMBER:
        return f'field "{name}" is out of range ({len(str(abs(value)))} digits; numbers up to 1e18)'
    if not math.isfinite(value):
        return f'field "{name}" must be a finite number, got {show(value)}'
    if abs(value) > MAX_NUMBER:
        return f'field "{name}" is out of range ({value:g}; numbers up to 1e18)'
    return None


# ---------------------------------------------------------------- rules that need the document

def _unknown(field: str, value: object, allowed: tuple[str, ...]) -> str:
    return f'unknown {field} {show(value)} (expected one of {", ".join(allowed)})'


def claim_value_problem(claim: Claim) -> str | None:
    """Allowed values, whatever the document: the type and the attribution form."""
    if claim.type is None:
        return 'missing field "type"'
    if claim.type not in CLAIM_TYPE_SET:
        return _unknown("type", claim.type, CLAIM_TYPES)
    if claim.attribution is not None and claim.attribution not in ATTRIBUTION_SET:
        return _unknown("attribution", claim.attribution, ATTRIBUTIONS)
    if claim.claimant is not None and not claim.claimant.strip():
        return 'field "claimant" is empty (leave it out when no one is named)'
    if claim.score is not None:
        return number_problem("score", claim.score)
    return None


def span_problem(start: int | None, end: int | None, text: str | None, document: str) -> str | None:
    """Where a record points: both offsets, in order, inside the text, matching ``text`` if given."""
    if start is None or end is None:
        missing = "start" if start is None else "end"
        return f'missing field "{missing}"'
    if not 0 <= start < end <= len(document):
        return (f"offsets {start}-{end} outside the text or empty "
                f"(need 0 <= start < end <= {len(document)})")
    if text is not None and document[start:end] != text:
        return f"text does not match offsets {start}-{end}"
    return None


def claim_problem(claim: Claim, document: str | None, *, free_text: bool = True) -> str | None:
    """The first thing wrong with a claim of a document whose text is ``document``.

    ``document`` None: the doc_id is unknown (the caller names it). With ``free_text``, a
    claim may give ``text`` without offsets.
    """
    problem = claim_value_problem(claim)
    if problem:
        return problem
    if claim.start is None and claim.end is None and free_text:
        if claim.text is None:
            return 'missing field "text" (needed when "start" and "end" are absent)'
        if not claim.text.strip():
            return 'field "text" is empty (it is what is placed in the document when "start" and "end" are absent)'
        return None
    return span_problem(claim.start, claim.end, claim.text, document or "")


def quantity_problem(q: Quantity, document: str) -> str | None:
    problem = span_problem(q.start, q.end, q.text, document)
    if problem:
        return problem
    for name in ("low", "high", "score"):
        value = getattr(q, name)
        problem = None if value is None else number_problem(name, value)
        if problem:
            return problem
    if q.low is None and q.high is None:
        return "low and high are both null (a figure has at least one bound)"
    if q.low is not None and q.high is not None and q.low > q.high:
        return f"low {q.low:g} is above high {q.high:g}"
    if q.low == q.high and not (q.low_inclusive and q.high_inclusive):
        return f"low and high are both {q.low:g} but not both inclusive, so the interval holds no value"
    if q.low is None and q.low_inclusive:
        return "low_inclusive is true but low is null (an unbounded side is not inclusive)"
    if q.high is None and q.high_inclusive:
        return "high_inclusive is true but high is null (an unbounded side is not inclusive)"
    if q.unit is not None and not q.unit.strip():
        return 'field "unit" is empty'
    return None


# ---------------------------------------------------------------- records from Python objects

CLAIM_DECODER = msgspec.json.Decoder(Claim)
QUANTITY_DECODER = msgspec.json.Decoder(Quantity)
_DECODERS = {Claim: CLAIM_DECODER, Quantity: QUANTITY_DECODER}
_ENCODER = msgspec.json.Encoder()


def builtin(value: object, name: str) -> object:
    """A field value as the JSON it would be written as; numpy scalars become Python numbers."""
    if type(value) is str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(f'field "{name}" is not valid Unicode (it holds a lone surrogate)') from None
        return value
    if value is None or type(value) in (int, bool):
        return value
    if type(value) is list:
        return [builtin(v, name) for v in value]
    if type(value) is dict:  # "meta": JSON inside, checked as strictly as a file line's
        if not all(type(k) is str for k in value):
            bad = next(k for k in value if type(k) is not str)
            raise InputError(f'field "{name}" holds a key that is not a string: {show(bad)}')
        return {k: builtin(v, name) for k, v in value.items()}
    if type(value) is float:
        if not math.isfinite(value):
            raise InputError(f'field "{name}" must be a finite number, got {show(value)}')
        return value
    item = getattr(value, "item", None)
    if item is not None and getattr(value, "shape", None) == ():  # a numpy scalar
        return builtin(item(), name)
    if name == "meta" or isinstance(value, (set, frozenset, tuple)):
        raise InputError(f'field "{name}" holds a {type(value).__name__}, which JSON has no type for')
    return value  # anything else is reported by the decoder as the wrong type


def record_from_object(item: object, record_type: type = Claim, *, doc_id: str | None = None):
    """A record from a dict, a record or a dataclass-like object, checked as if it were a file line.

    The object is written as JSON and decoded by the same decoder as file lines, so a
    model's output, an in-memory prediction and a line of a file obey exactly the same rules.
    """
    if isinstance(item, msgspec.Struct):
        fields = msgspec.structs.asdict(item)
        mapping = {k: v for k, v in fields.items() if v is not None and not (k == "meta" and not v)}
    elif isinstance(item, Mapping):
        mapping = dict(item)
    elif hasattr(item, "__dataclass_fields__"):
        mapping = {k: getattr(item, k) for k in item.__dataclass_fields__ if getattr(item, k) is not None}
    else:
        raise InputError(f"expected a claim (a dict or {record_type.__name__}), got {type(item).__name__}")
    if doc_id is not None and mapping.get("doc_id") is None:
        mapping["doc_id"] = doc_id
    if not all(type(k) is str for k in mapping):
        bad = next(k for k in mapping if type(k) is not str)
        raise InputError(f"field names must be strings, got {show(bad)}")
    try:
        mapping = {k: builtin(v, k) for k, v in mapping.items()}
    except RecursionError:
        raise InputError("nested too deeply") from None
    try:
        raw = _ENCODER.encode(mapping)
    except (TypeError, UnicodeEncodeError, OverflowError, RecursionError, ValueError) as exc:
        bad = next((k for k, v in mapping.items() if _unencodable(v)), None)
        where = f'field "{bad}" ' if bad else ""
        raise InputError(f"{where}cannot be written as JSON: {type(exc).__name__}") from None
    return decode_one(raw, _DECODERS[record_type], lambda obj: explain(obj, record_type))


def _unencodable(value: object) -> bool:
    try:
        _ENCODER.encode(value)
        return False
    except Exception:
        return True
