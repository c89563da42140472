"""``sentences``: the floor. Every non-boilerplate sentence is one ``event`` claim in the
article's own voice (claimant and attribution ``author``).

It knows nothing about claims: any model worth reporting must beat it. For links it is the
all-singletons floor. It shares
sentence splitting and boilerplate filtering with the other baselines, so the gap to them
measures what frames, clause splitting and typing add.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.records import AUTHOR, Claim, Document
from bench.model import Model

from .furniture import sentences


class SentencesModel(Model):
    """Each sentence as an ``event`` by ``author``: a floor, not a claim extractor.

    Task ``links``: the all-singletons floor (no cluster, no conflict).
    """

    name = "sentences"
    tasks = ("claims", "links")

    def predict_links(self, documents, claims):
        from .linking import no_links

        return no_links(documents, claims)

    def predict(self, documents: Sequence[Document]) -> Mapping[str, Sequence[Claim]]:
        out = {}
        for document in documents:
            out[document.doc_id] = [
                Claim(doc_id=document.doc_id, start=s, end=e, type="event", claimant=AUTHOR,
                      attribution=AUTHOR, text=document.text[s:e], id=f"c{i}")
                for i, (s, e) in enumerate(sentences(document.text), start=1)
            ]
        return out
