"""A corpus read and checked: documents, every gold layer, and every rule the gold must keep.

One path for every command and for Python: ``bench run``, ``bench score`` and the API refuse
exactly the gold that ``bench validate`` refuses, with the same words, because all go
through ``read_corpus``. Gold and documents come from paths (folders or JSONL files) or
from memory (lists of dicts, a mapping ``{doc_id: text}``, a Hugging Face ``Dataset`` made
by ``bench.corpus.hf``), read by ``bench.corpus.sources``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

from ..exceptions import InputError
from ..records import ClaimRef, Corpus, Document
from .documents import load_documents, nfc_hint
from .gold import with_doc_id
from .paths import DEFAULT_DOCS, DEFAULT_GOLD, display
from .rules import claimant_key, clean_claim, duplicate_claim_problems, gold_claim_problems, \
    gold_quantity_problems, id_problems
from .sources import GoldSource, documents_from_records, gold_from_path, gold_from_records, is_path

# Reported at most this many problems by a command that refuses the gold (validate lists all).
SHOWN_PROBLEMS = 1
_TYPE = attrgetter("type")


@dataclass(slots=True)
class CorpusCheck:
    """The corpus as read and every problem found, one line each."""

    corpus: Corpus
    problems: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    n_quantities: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def sources(gold, docs) -> tuple[GoldSource, dict[str, Document], str]:
    """Gold and documents (and how messages name the documents) from paths, records or a ``datasets.Dataset``."""
    from .hf import is_dataset, source_of_dataset

    if is_dataset(gold):
        source, documents = source_of_dataset(gold)
        if docs is not None:
            return source, _documents(docs), _where(docs)
        return source, documents, "the dataset"
    if is_path(gold):
        source = gold_from_path(gold)
    elif isinstance(gold, Mapping) and "documents" in gold:  # {"documents": [...], "claimants", "links", "version"}
        unknown = set(gold) - {"documents", "claimants", "links", "version"}
        if unknown:
            raise InputError(f'gold: unknown key "{sorted(unknown)[0]}" (expected documents, claimants, links, version)')
        source = gold_from_records(gold["documents"], claimants=gold.get("claimants"), links=gold.get("links"),
                                    version=gold.get("version"))
    elif isinstance(gold, Iterable) and not isinstance(gold, (bytes, str, Mapping)):
        source = gold_from_records(gold)
    else:
        raise InputError(f"gold: expected a path, a list of gold documents or a datasets.Dataset, "
                         f"got {type(gold).__name__}")
    docs = DEFAULT_DOCS if docs is None and is_path(gold) else docs
    return source, _documents(docs), _where(docs)


def _where(docs) -> str:
    return display(Path(docs)) if is_path(docs) else "docs"


def _documents(docs) -> dict[str, Document]:
    from .hf import is_dataset

    if docs is None:
        raise InputError("docs: gold given in memory needs its documents (docs=...)")
    if is_path(docs):
        return load_documents(docs)
    if is_dataset(docs):
        return documents_from_records({"doc_id": r["doc_id"], "text": r["text"]} for r in docs)
    if isinstance(docs, (Mapping, Iterable)) and not isinstance(docs, (bytes, str)):
        return documents_from_records(docs)
    raise InputError(f"docs: expected a path, a mapping of doc_id to text or a list of documents, "
                     f"got {type(docs).__name__}")


def read_corpus(gold=DEFAULT_GOLD, docs=None) -> CorpusCheck:
    """Read documents and gold (paths or in memory) and check every rule; unreadable paths raise ``InputError``."""
    source, documents, docs_where = sources(gold, docs)
    canonical = {claimant_key(name) for name in source.claimants} if source.claimants else None
    problems: list[str] = [source.version_problem] if source.version_problem else []
    gold_claims: dict[str, list] = {}
    quantities: dict[str, list] = {}
    with_layer: list[str] = []
    counts: Counter = Counter()
    for entry in source.entries:
        problems.extend(f"{entry.where}: {p}" for p in entry.problems)
        record = entry.record
        if record is None:
            continue
        doc_id = record.doc_id
        if doc_id in gold_claims:
            problems.append(f'{entry.where}: duplicate gold for doc_id "{doc_id}"')
            continue
        document = documents.get(doc_id)
        if document is None:
            problems.append(f'{entry.where}: unknown doc_id "{doc_id}" (no such document in {docs_where})'
                            f'{nfc_hint(doc_id, documents)}')
            continue
        claims = with_doc_id(record.claims, doc_id)
        stray = next((c.doc_id for c in record.claims if c.doc_id not in (None, doc_id)), None)
        if stray is not None:
            problems.append(f'{entry.where}: a claim names doc_id "{stray}" in the gold of "{doc_id}"')
        before = len(problems)
        problems.extend(f"{entry.where}: {p}" for p in id_problems(claims, "claim"))
        text = document.text
        for index, claim in enumerate(claims):
            if clean_claim(claim, text, canonical):
                continue
            name = claim.id if claim.id is not None else f"#{index}"
            problems.extend(f"{entry.where}: claim {name}: {p}" for p in gold_claim_problems(claim, text, canonical))
        problems.extend(f"{entry.where}: {p}" for p in duplicate_claim_problems(claims, "claim"))
        if record.quantities is not None:
            with_layer.append(doc_id)
            by_id = {c.id: c for c in claims if c.id is not None and c.start is not None}
            mentions = with_doc_id(record.quantities, doc_id)
            problems.extend(f"{entry.where}: {p}" for p in id_problems(mentions, "quantity"))
            for index, q in enumerate(mentions):
                name = q.id if q.id is not None else f"#{index}"
                problems.extend(f"{entry.where}: quantity {name}: {p}" for p in gold_quantity_problems(q, text, by_id))
            quantities[doc_id] = mentions
        gold_claims[doc_id] = claims
        if len(problems) == before:
            counts.update(map(_TYPE, claims))
    unreadable = [entry.named for entry in source.entries if entry.record is None]
    # a document whose gold was unreadable is not also "without gold"; an unreadable line names no document
    unaccounted = set() if None in unreadable else set(documents) - set(gold_claims) - set(unreadable)
    for doc_id in sorted(unaccounted):
        problems.append(f'{source.where}: no gold for document "{doc_id}" (every document needs gold, '
                        "even an empty claim list)")
    if with_layer and len(with_layer) != len(gold_claims):
        missing = sorted(set(gold_claims) - set(with_layer))
        problems.append(f'{source.where}: the quantity layer is missing for "{missing[0]}" '
                        f"({len(missing)} of {len(gold_claims)} documents): give every document a quantities list")
    if source.links_problem:
        problems.append(source.links_problem)
    links = source.links
    if links is not None:
        known = {ClaimRef(c.doc_id, c.id) for claims in gold_claims.values() for c in claims if c.id is not None}
        refs = [r for refs in links.clusters.values() for r in refs]
        refs += [side for a, b, _ in links.conflicts for side in (a, b) if isinstance(side, ClaimRef)]
        for ref in dict.fromkeys(refs):
            if ref not in known and ref.doc_id not in set(documents) - set(gold_claims):  # no gold at all: said above
                problems.append(f"{source.links_where}: claim {ref.doc_id}/{ref.id} is not a gold claim")
    corpus = Corpus(documents=documents, gold=gold_claims, claimants=source.claimants,
                    quantities=quantities if with_layer else None, links=links, version=source.version)
    return CorpusCheck(corpus, problems, counts, sum(map(len, quantities.values())))


def load_corpus(*, gold=DEFAULT_GOLD, docs=None) -> Corpus:
    """The corpus, or an ``InputError`` with the first problem ``bench validate`` would list."""
    check = read_corpus(gold, docs)
    if check.problems:
        more = len(check.problems) - SHOWN_PROBLEMS
        tail = f" (and {more} more problem{'s' if more > 1 else ''}; run bench validate)" if more > 0 else ""
        raise InputError(f"invalid gold: {check.problems[0]}{tail}")
    return check.corpus
