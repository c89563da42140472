"""The rules a gold corpus keeps (gold/GUIDELINES.md sections 4, 6, 7, 9 and 10), one message per broken rule."""

from __future__ import annotations

import unicodedata
from collections import Counter
from operator import attrgetter

from ..checks import claim_problem, quantity_problem
from ..exceptions import show
from ..records import ATTRIBUTIONS, AUTHOR, CLAIM_TYPES, FIXED_UNITS, Claim, Quantity
from .gold import CLAIMANTS_FILE


def claimant_key(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def gold_claim_problems(claim: Claim, text: str, canonical: set[str] | None) -> list[str]:
    """Every rule a gold claim must keep (guidelines sections 4, 6, 7, 9)."""
    problems = []
    problem = claim_problem(claim, text, free_text=False)
    if problem:
        problems.append(problem)
    elif claim.text is None:
        problems.append('missing field "text"')
    elif claim.text != claim.text.strip():
        problems.append(f"span {claim.start}-{claim.end} starts or ends with whitespace")
    if claim.attribution is None:
        problems.append('missing field "attribution"')
    if claim.claimant is None:
        problems.append('missing field "claimant"')
    elif canonical is not None and claim.claimant != AUTHOR and claimant_key(claim.claimant) not in canonical:
        problems.append(f'claimant "{claim.claimant}" is not a canonical name in {CLAIMANTS_FILE} nor "{AUTHOR}"')
    if claim.claimant is not None and claim.attribution is not None:
        if (claim.claimant == AUTHOR) != (claim.attribution == AUTHOR):
            problems.append(f'claimant "{AUTHOR}" goes with attribution "{AUTHOR}" and only with it')
    return problems


_TYPES, _FORMS = frozenset(CLAIM_TYPES), frozenset(ATTRIBUTIONS)


def clean_claim(c: Claim, text: str, canonical: set[str] | None) -> bool:
    """The common case of ``gold_claim_problems`` in one expression: True means no problem at all."""
    span = c.text
    return (c.type in _TYPES and c.attribution in _FORMS and c.claimant is not None and span is not None
            and c.start is not None and c.end is not None and 0 <= c.start < c.end <= len(text)
            and text[c.start:c.end] == span and not span[0].isspace() and not span[-1].isspace()
            and (c.claimant == AUTHOR) == (c.attribution == AUTHOR)
            and (canonical is None or c.claimant == AUTHOR or c.claimant in canonical
                 or claimant_key(c.claimant) in canonical))


def gold_quantity_problems(q: Quantity, text: str, claims: dict[str, Claim]) -> list[str]:
    """Every rule a gold quantity mention must keep (guidelines section 10)."""
    problems = []
    problem = quantity_problem(q, text)
    if problem:
        problems.append(problem)
    elif q.text is None:
        problems.append('missing field "text"')
    if q.unit is None:
        problems.append('missing field "unit"')
    elif q.unit not in FIXED_UNITS and not q.unit.replace("-", "").replace(" ", "").isalpha():
        problems.append(f'unit {show(q.unit)} is not {", ".join(FIXED_UNITS)}, a currency code or a unit word')
    if q.counted is None:
        problems.append('missing field "counted"')
    elif q.counted not in text:
        problems.append(f"counted phrase {show(q.counted)} does not occur in the document")
    if q.claim is not None:
        holder = claims.get(q.claim)
        if holder is None:
            problems.append(f'claim "{q.claim}" does not exist')
        elif not (holder.start <= q.start and q.end <= holder.end):
            problems.append(f'claim "{q.claim}" does not contain the mention')
    return problems


_ID = attrgetter("id")
_SAME = attrgetter("start", "end", "type", "claimant", "attribution")


def id_problems(records, prefix: str) -> list[str]:
    """Every record needs an id, unique within its document."""
    ids = list(map(_ID, records))
    if None not in ids and len(set(ids)) == len(ids):  # the usual case, in two C passes
        return []
    problems = [f'{prefix} #{index}: missing field "id"' for index, r in enumerate(records) if r.id is None]
    seen = Counter(r.id for r in records if r.id is not None)
    problems += [f'{prefix} {name}: duplicate id "{name}"' for name, count in seen.items() if count > 1]
    return problems


def duplicate_claim_problems(claims: list[Claim], prefix: str) -> list[str]:
    """Two gold claims with the same span, type, claimant and attribution: one could never be matched."""
    if len(set(map(_SAME, claims))) == len(claims):  # the usual case
        return []
    seen: dict[tuple, str] = {}
    problems = []
    for claim in claims:
        key = (claim.start, claim.end, claim.type, claim.claimant, claim.attribution)
        if key in seen:
            problems.append(f"{prefix} {claim.id}: the same claim as {seen[key]} (span, type, claimant and "
                            "attribution), so one of the two could never be found")
        else:
            seen[key] = claim.id
    return problems
