"""The corpus as a Hugging Face ``datasets.Dataset``, and back: every layer, and a dataset card.

One row per document: ``doc_id``, ``text``, ``claims`` (each with ``cluster``, the id of its
link cluster or null), ``quantities`` (null when the corpus has no quantity layer),
``conflicts`` (each conflict once, on the row of its first side's document; a side is a
cluster id or ``doc_id/claim_id``), ``claimants`` (the alias table's entries for the
claimants of the row; entries no claim uses are on the first row) and ``gold_version``.
Read back by ``bench.corpus.load``, the dataset gives the same corpus, hashes included, so
scoring against it gives the same numbers and signature as scoring against the files.
"""

from __future__ import annotations

from ..records import ClaimRef, Corpus, Links

CARD = """---
license: other
task_categories:
- token-classification
language:
- en
pretty_name: ClaimBench corpus
---
# ClaimBench corpus

Exported by ClaimBench {version_of_tool}. {n_docs} documents, {n_claims} gold claims{quantities}{links}; gold version {gold_version}.

Columns: `doc_id`, `text`, `claims` (span offsets into `text`, end exclusive; `type`,
`claimant`, `attribution`, `cluster`), `quantities` (normalised values, bounds, hedges,
units, what is counted), `conflicts`, `claimants` (canonical claimant names and their
aliases), `gold_version`. The labelling rules are ClaimBench's `gold/GUIDELINES.md`; score
a system against this dataset with `bench.evaluate(predictions, gold=dataset)`.
"""


def is_dataset(value: object) -> bool:
    """A ``datasets.Dataset``, recognised without importing ``datasets``."""
    return type(value).__name__ == "Dataset" and type(value).__module__.startswith("datasets")


def _side(side) -> str:
    return side if isinstance(side, str) else f"{side.doc_id}/{side.id}"


def to_hf_dataset(corpus: Corpus):
    """One row per document with every gold layer (see the module docstring)."""
    import datasets  # heavy: only for users who ask for it

    from ..version import __version__

    links = corpus.links or Links()
    cluster_of = {ref: k for k, refs in links.clusters.items() for ref in refs}
    first_doc = {}
    for a, b, why in links.conflicts:
        member = links.members(a)[0]
        first_doc.setdefault(member.doc_id, []).append({"a": _side(a), "b": _side(b), "why": why})
    used: set[str] = set()
    rows = {name: [] for name in ("doc_id", "text", "claims", "quantities", "conflicts", "claimants", "gold_version")}
    for doc_id in corpus.doc_ids:
        claims = corpus.gold.get(doc_id, [])
        names = list(dict.fromkeys(c.claimant for c in claims if c.claimant in corpus.claimants))
        used.update(names)
        rows["doc_id"].append(doc_id)
        rows["text"].append(corpus.documents[doc_id].text)
        rows["claims"].append([c.to_dict() | {"cluster": cluster_of.get(ClaimRef(doc_id, c.id))} for c in claims])
        rows["quantities"].append(None if corpus.quantities is None
                                  else [q.to_dict() for q in corpus.quantities.get(doc_id, [])])
        rows["conflicts"].append(first_doc.get(doc_id, []))
        rows["claimants"].append([{"name": n, "aliases": list(corpus.claimants[n])} for n in names])
        rows["gold_version"].append(corpus.version)
    unused = [n for n in corpus.claimants if n not in used]
    if unused and rows["claimants"]:
        rows["claimants"][0] += [{"name": n, "aliases": list(corpus.claimants[n])} for n in unused]
    card = CARD.format(version_of_tool=__version__, n_docs=len(corpus.documents),
                       n_claims=sum(map(len, corpus.gold.values())),
                       quantities="" if corpus.quantities is None else
                       f", {sum(map(len, corpus.quantities.values()))} quantity mentions",
                       links="" if corpus.links is None else
                       f", {len(links.clusters)} link clusters and {len(links.conflicts)} conflicts",
                       gold_version=corpus.version)
    return datasets.Dataset.from_list([dict(zip(rows, values)) for values in zip(*rows.values())],
                                      info=datasets.DatasetInfo(description=card))


def _drop_nulls(record: dict, keep: tuple[str, ...] = ()) -> dict:
    """Arrow fills every struct field; a field the record never had comes back null."""
    return {k: v for k, v in record.items() if v is not None or k in keep}


def source_of_dataset(dataset):
    """(gold source, documents) of a dataset made by ``to_hf_dataset``, checked as files are."""
    from ..exceptions import InputError
    from .sources import documents_from_records, gold_from_records

    columns = set(dataset.column_names)
    for needed in ("doc_id", "text", "claims"):
        if needed not in columns:
            raise InputError(f'gold: the dataset has no "{needed}" column (make it with bench.corpus.to_hf_dataset)')
    rows = list(dataset)
    documents = documents_from_records({"doc_id": r["doc_id"], "text": r["text"]} for r in rows)
    gold, clusters, conflicts, claimants = [], {}, [], {}
    version = None
    for row in rows:
        claims = []
        for claim in row["claims"]:
            claim = _drop_nulls(dict(claim))
            cluster = claim.pop("cluster", None)
            if cluster is not None:
                clusters.setdefault(cluster, []).append({"doc_id": row["doc_id"], "id": claim.get("id")})
            claims.append(claim)
        entry = {"doc_id": row["doc_id"], "claims": claims}
        if row.get("quantities") is not None:
            entry["quantities"] = [_drop_nulls(dict(q)) for q in row["quantities"]]
        gold.append(entry)
        for conflict in row.get("conflicts") or []:
            conflicts.append({side: _parse_side(conflict[side]) for side in ("a", "b")} | {"why": conflict["why"]})
        for item in row.get("claimants") or []:
            claimants[item["name"]] = list(item["aliases"])
        version = row.get("gold_version") or version
    links = None
    if clusters or conflicts:
        links = {"clusters": [{"id": k, "claims": refs} for k, refs in clusters.items()], "conflicts": conflicts}
    source = gold_from_records(gold, claimants=claimants, links=links, version=version)
    source.where = "the dataset"
    return source, documents


def _parse_side(side: str):
    doc_id, slash, claim_id = side.rpartition("/")
    return {"doc_id": doc_id, "id": claim_id} if slash else side

