"""``rules``: a deterministic extractor built from general English cues, no training.

Claims: the candidate segments of ``candidates`` that it judges claim-like, typed by cue
words read in context, in the guidelines' decision order (``cues.rule_type``): a figure the
quantity normaliser finds -> ``quantity``; a stance verb, obligation, a future the speaker
commits its own side to, or a reported "would" -> ``position``; a future, modal or belief
frame -> ``prediction``; anything else -> ``event``. A claim nested inside another (a
relative clause) is left out of the outer claim's text when it is typed.

Quantities: every figure ``numbers`` finds and normalises in the claim-like sentences.

Links: ``linking`` over the claims it is given (same figure and counted phrase, or
near-identical content, link; the same count with incompatible figures from different
claimants conflicts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.records import Claim, Document
from bench.model import Model

from .candidates import extract_candidates, to_claims, without_nested
from .cues import rule_type
from .segment import mask


class RulesModel(Model):
    """Deterministic cue-word extractor (see module docstring); needs no training."""

    name = "rules"
    tasks = ("claims", "quantities", "links")

    def predict(self, documents: Sequence[Document]) -> Mapping[str, Sequence[Claim]]:
        out = {}
        for document in documents:
            masked = mask(document.text)
            candidates = [c for c in extract_candidates(document) if c.keep]
            texts = without_nested(masked, candidates)
            types = [rule_type(text, belief=c.belief) for c, text in zip(candidates, texts)]
            out[document.doc_id] = to_claims(document, candidates, types)
        return out

    def predict_quantities(self, documents: Sequence[Document]):
        from .numbers import find_quantities

        return {d.doc_id: find_quantities(d.text) for d in documents}

    def predict_links(self, documents: Sequence[Document], claims: Mapping[str, Sequence[Claim]]):
        from .linking import link_by_rules

        return link_by_rules(documents, claims)
