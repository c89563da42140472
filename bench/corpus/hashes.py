"""What a corpus is, as hashes: each gold layer's labels and the documents' texts, and the ``gold`` block of a run."""

from __future__ import annotations

import operator
from collections import Counter
from itertools import chain
from pathlib import Path

from ..jsonio import json_sha256
from ..records import CLAIM_TYPES, Corpus
from .paths import recorded_path

_CLAIM_ORDER = operator.attrgetter("start", "end", "type")
_QUANTITY_ORDER = operator.attrgetter("start", "end")
_TYPE = operator.attrgetter("type")
LAYERS = ("claims", "quantities", "links")


def layer_sha256(corpus: Corpus, layer: str) -> str:
    """Hash of one gold layer's labels (not the file layout), so reformatting a file keeps it.

    Claims are taken in (start, end, type) order within each document; the claims layer
    includes the claimant aliases, the quantity and link layers the claims they refer to.
    """
    claims = {doc_id: sorted(claims, key=_CLAIM_ORDER) for doc_id, claims in corpus.gold.items()}
    if layer == "claims":
        return json_sha256({"claims": claims, "claimants": corpus.claimants})
    if layer == "quantities":
        quantities = {doc_id: sorted(mentions, key=_QUANTITY_ORDER)
                      for doc_id, mentions in (corpus.quantities or {}).items()}
        return json_sha256({"quantities": quantities, "claims": claims})
    if layer == "links":
        return json_sha256({"links": corpus.links.to_dict() if corpus.links else None, "claims": claims})
    raise ValueError(f"unknown gold layer {layer!r}")


def documents_sha256(corpus: Corpus) -> str:
    return json_sha256({doc_id: doc.text for doc_id, doc in corpus.documents.items()})


def where(value: object) -> str:
    """How a run records where its gold or documents came from: a path, or ``<memory>``."""
    return recorded_path(value) if isinstance(value, (str, Path)) else "<memory>"


def gold_info(corpus: Corpus, *, gold_path: object, docs_path: object, layer: str = "claims",
              hashes: dict[str, str] | None = None) -> dict:
    """The ``gold`` block of a run: where, which version, the hashes (``hashes``: those already worked out, by
    layer, and ``docs``), the counts."""
    hashes = hashes or {}
    counts = {t: 0 for t in CLAIM_TYPES}
    for name, found in Counter(map(_TYPE, chain.from_iterable(corpus.gold.values()))).items():  # first met first
        counts[name] = counts.get(name, 0) + found
    info = {
        "path": where(gold_path),
        "docs_path": where(docs_path),
        "version": corpus.version,
        "layer": layer,
        "sha256": hashes[layer] if layer in hashes else layer_sha256(corpus, layer),
        "docs_sha256": hashes["docs"] if "docs" in hashes else documents_sha256(corpus),
        "documents": len(corpus.documents),
        "claims": sum(counts.values()),
        "claims_per_type": counts,
    }
    if corpus.quantities is not None:
        info["quantities"] = sum(map(len, corpus.quantities.values()))
    if corpus.links is not None:
        info["clusters"] = len(corpus.links.clusters)
        info["conflicts"] = len(corpus.links.conflicts)
    return info
