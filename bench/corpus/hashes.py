"""What a corpus is, as hashes: each gold layer's labels and the documents' texts, and the ``gold`` block of a run."""

from __future__ import annotations

import hashlib
import operator
from collections import Counter
from itertools import chain
from pathlib import Path

import msgspec

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


TEXT_SLICE = 1 << 20  # characters of a document encoded at once when its hash is taken


def documents_sha256(corpus: Corpus) -> str:
    """``json_sha256({doc_id: text})``, streamed: the same bytes hashed, but each text encoded a slice at a
    time. Encoding a whole text would make its UTF-8 form, which CPython then keeps with the string for
    as long as the document lives (as large again as a long document)."""
    digest = hashlib.sha256(b"{")
    for k, doc_id in enumerate(sorted(corpus.documents)):
        text = corpus.documents[doc_id].text
        digest.update(b"," if k else b"")
        digest.update(msgspec.json.encode(doc_id) + b':"')
        for piece in _slices(text):
            digest.update(msgspec.json.encode(piece)[1:-1])  # JSON escapes one character at a time
        digest.update(b'"')
    digest.update(b"}")
    return digest.hexdigest()


def _slices(text: str) -> list[str]:
    """``text`` cut into slices of at most ``TEXT_SLICE`` characters, each a new string (a slice of the whole
    would be the text itself)."""
    cuts = list(range(0, len(text), TEXT_SLICE)) + [len(text)]
    if len(cuts) == 2 and len(text) > 1:
        cuts.insert(1, len(text) // 2)
    return [text[lo:hi] for lo, hi in zip(cuts, cuts[1:])]


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
