"""The interface a claim extractor implements to be benchmarked.

A model sees documents, never gold, at prediction time. A model that learns from gold
overrides ``fit``; the runner (``bench.protocol``) then trains a fresh instance per
held-out document, so no model can see the gold of a document it predicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .claims import Claim, Document


class Model:
    """Base class for claim extractors. Subclasses set ``name`` and implement ``predict``."""

    name: str = ""

    def predict(self, documents: Sequence[Document]) -> Mapping[str, Sequence[Claim]]:
        """Claims found in each document, keyed by doc_id."""
        raise NotImplementedError

    def fit(self, documents: Sequence[Document], gold: Mapping[str, Sequence[Claim]]) -> None:
        """Learn from gold. Not overridden by models that need no training."""
        raise NotImplementedError

    @classmethod
    def is_trainable(cls) -> bool:
        return cls.fit is not Model.fit
