"""The benchmark's vocabulary: claim types, attribution forms, and the records of each layer.

Every list of names lives here once; everything else imports it.
Spans are Python ``str`` code-point offsets, ``start`` inclusive, ``end`` exclusive.

``Claim`` and ``Quantity`` are msgspec Structs: plain data classes that msgspec decodes
from JSON and checks in one C pass, so a file of a million claims becomes a million records
without a Python loop. Gold files, prediction files and model outputs all become these
records through ``bench.checks``, which holds the checks. They are not tracked by the cyclic
garbage collector (``gc=False``): a record refers to no record, so it can be in no cycle,
and a million tracked records cost the collector a large share of reading a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

# Decision order matters: the first type that fits wins (see gold/GUIDELINES.md).
CLAIM_TYPES: tuple[str, ...] = ("quantity", "prediction", "position", "event")
ATTRIBUTIONS: tuple[str, ...] = ("direct", "indirect", "author")
# Claimant of a claim made in the article's own voice.
AUTHOR = "author"
# Units of the quantity layer with a fixed name; money takes an ISO 4217 code, other
# measures their unit word (see gold/GUIDELINES.md, section 10).
FIXED_UNITS: tuple[str, ...] = ("count", "fraction", "percent")


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str
    text: str


class Claim(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True, gc=False):
    """One claim, gold or predicted.

    A prediction may leave out ``start`` and ``end`` and give ``text`` (free text, placed by
    ``bench.align``); ``meta`` holds any extra data of the user's, kept and ignored. Gold
    files name the document once per file, so their claims get ``doc_id`` when loaded.
    """

    doc_id: str | None = None
    start: int | None = None
    end: int | None = None
    type: str | None = None
    claimant: str | None = None
    attribution: str | None = None
    text: str | None = None
    id: str | None = None
    score: float | None = None
    meta: dict[str, Any] | None = None

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def placed(self) -> bool:
        return self.start is not None and self.start >= 0

    def to_dict(self) -> dict:
        """JSON-ready dict without the unset optional fields."""
        return msgspec.to_builtins(self)


class Quantity(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True, gc=False):
    """One quantity mention, gold or predicted (see gold/GUIDELINES.md, section 10).

    ``low``/``high`` None means unbounded on that side; the inclusive flags are False for
    an unbounded side.
    """

    start: int
    end: int
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = False
    high_inclusive: bool = False
    approximate: bool = False
    unit: str | None = None
    counted: str | None = None
    doc_id: str | None = None
    id: str | None = None
    text: str | None = None
    claim: str | None = None
    score: float | None = None
    meta: dict[str, Any] | None = None

    @property
    def exact(self) -> bool:
        """States one value with no hedge: what hedge loss looks for."""
        return (self.low is not None and self.low == self.high and self.low_inclusive and self.high_inclusive
                and not self.approximate)

    def to_dict(self) -> dict:
        return msgspec.to_builtins(self)


@dataclass(frozen=True, slots=True)
class ClaimRef:
    """A claim named by its document and id (links refer to claims this way)."""

    doc_id: str
    id: str


@dataclass(slots=True)
class Links:
    """Clusters of claims that state the same proposition, and conflicts between them.

    A conflict side is a cluster id or a ``ClaimRef`` to a claim in no cluster.
    """

    clusters: dict[str, list[ClaimRef]] = field(default_factory=dict)
    conflicts: list[tuple[str | ClaimRef, str | ClaimRef, str]] = field(default_factory=list)

    def members(self, side: str | ClaimRef) -> list[ClaimRef]:
        return list(self.clusters[side]) if isinstance(side, str) else [side]

    def conflict_pairs(self) -> set[frozenset[ClaimRef]]:
        """Every unordered pair of claims across a conflict's two sides."""
        pairs = set()
        for a, b, _ in self.conflicts:
            for x in self.members(a):
                for y in self.members(b):
                    if x != y:
                        pairs.add(frozenset((x, y)))
        return pairs

    def to_dict(self) -> dict:
        def side(s):
            return s if isinstance(s, str) else {"doc_id": s.doc_id, "id": s.id}

        return {
            "clusters": [{"id": k, "claims": [{"doc_id": r.doc_id, "id": r.id} for r in refs]}
                         for k, refs in self.clusters.items()],
            "conflicts": [{"a": side(a), "b": side(b), "why": why} for a, b, why in self.conflicts],
        }


@dataclass(slots=True)
class Corpus:
    """Documents with their gold layers: claims, quantities (None if absent) and links (None if absent)."""

    documents: dict[str, Document]
    gold: dict[str, list[Claim]]
    claimants: dict[str, list[str]] = field(default_factory=dict)
    quantities: dict[str, list[Quantity]] | None = None
    links: Links | None = None
    version: str = "unversioned"

    @property
    def doc_ids(self) -> list[str]:
        return sorted(self.documents)

    def subset(self, doc_ids) -> Corpus:
        """The same corpus restricted to ``doc_ids`` (links dropped: they span documents)."""
        keep = [d for d in self.doc_ids if d in set(doc_ids)]
        return Corpus(
            documents={d: self.documents[d] for d in keep},
            gold={d: self.gold.get(d, []) for d in keep},
            claimants=self.claimants,
            quantities=None if self.quantities is None else {d: self.quantities.get(d, []) for d in keep},
            links=None,
            version=self.version,
        )
