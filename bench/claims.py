"""The benchmark's vocabulary: claim types, attribution forms and the claim record.

Every list of names lives here once; everything else imports it.
Spans are Python ``str`` code-point offsets, ``start`` inclusive, ``end`` exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

# Decision order matters: the first type that fits wins (see gold/GUIDELINES.md).
CLAIM_TYPES: tuple[str, ...] = ("quantity", "prediction", "position", "event")
ATTRIBUTIONS: tuple[str, ...] = ("direct", "indirect", "author")
# Claimant of a claim made in the article's own voice.
AUTHOR = "author"


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim, gold or predicted."""

    doc_id: str
    start: int
    end: int
    type: str
    claimant: str | None = None
    attribution: str | None = None
    text: str | None = None
    id: str | None = None
    score: float | None = None

    @property
    def length(self) -> int:
        return self.end - self.start

    def to_dict(self) -> dict:
        """JSON-ready dict without the unset optional fields."""
        return {name: value for name in CLAIM_FIELDS if (value := getattr(self, name)) is not None}


CLAIM_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Claim))


@dataclass(slots=True)
class Corpus:
    """Documents with their gold claims and the claimant alias table."""

    documents: dict[str, Document]
    gold: dict[str, list[Claim]]
    claimants: dict[str, list[str]] = field(default_factory=dict)

    @property
    def doc_ids(self) -> list[str]:
        return sorted(self.documents)
