"""The interface a model implements to be benchmarked.

A model sees documents, never gold, at prediction time. It declares the tasks it supports
in ``tasks`` and implements one method per task:

- ``predict(documents)`` (task ``claims``): claims keyed by doc_id; each claim a ``Claim``
  or a dict, with offsets or as free text (``{"doc_id", "text", "type", ...}``);
- ``predict_quantities(documents)`` (task ``quantities``): quantity mentions keyed by doc_id,
  ``Quantity`` records or dicts;
- ``predict_links(documents, claims)`` (task ``links``): given the claims of every document
  (``{doc_id: [Claim]}``, each with an ``id``), a dict ``{"clusters": [...], "conflicts":
  [...]}`` in the format of ``gold/links.json``.

Whatever a method returns is checked by the same code as a prediction file. A model that
learns from gold overrides ``fit(documents, gold)``, where ``gold`` maps each training
document's doc_id to its gold claims; the runner (``bench.protocol``) then trains a fresh
instance per held-out document, so no model can see the gold of a document it predicts.
The runner sets ``progress`` to False under ``--quiet``. A model whose calls wait on
something else (an LLM server) sets ``workers`` above 1: the runner then predicts that many
documents at once, in threads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .records import Claim, Document


class Model:
    """Base class for models. Subclasses set ``name`` (or register one) and implement their tasks' methods."""

    name: str = ""
    tasks: tuple[str, ...] = ("claims",)
    trains: tuple[str, ...] | None = None  # the tasks ``fit`` is for (None: all of ``tasks``)
    progress: bool = True
    workers: int = 1
    # constructor arguments that cannot change a prediction (a cache path, a timeout): left out of the signature
    neutral_args: tuple[str, ...] = ()

    def predict(self, documents: Sequence[Document]) -> Mapping[str, Sequence[Claim | dict]]:
        """Claims found in each document, keyed by doc_id."""
        raise NotImplementedError

    def predict_quantities(self, documents: Sequence[Document]) -> Mapping[str, Sequence[object]]:
        """Quantity mentions found in each document, keyed by doc_id."""
        raise NotImplementedError

    def predict_links(self, documents: Sequence[Document], claims: Mapping[str, Sequence[Claim]]) -> Mapping:
        """Clusters of claims stating the same proposition, and conflicts between them."""
        raise NotImplementedError

    def fit(self, documents: Sequence[Document], gold: Mapping[str, Sequence[Claim]]) -> None:
        """Learn from gold. Not overridden by models that need no training."""
        raise NotImplementedError

    def provenance(self) -> dict | None:
        """What a run records about the model beyond its arguments: the server's model name,
        ``usage`` (moved to the run's own ``usage``), ``warnings`` (shown and recorded)."""
        return None

    def fingerprint(self) -> dict:
        """Settings beyond the constructor arguments that change the predictions (a prompt
        file's hash); they go into the signature with the arguments."""
        return {}

    @classmethod
    def is_trainable(cls) -> bool:
        return cls.fit is not Model.fit
