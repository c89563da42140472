"""The interface a model implements to be benchmarked, and what the runner gives it.

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
instance per held-out document, so no model can see the gold of a document it predicts. A
model that also learns from the shipped development corpus names it in ``extra_training``;
the runner adds it to every training set, less any document being evaluated.

The runner sets two attributes on every instance before using it: ``progress`` (False
under ``--quiet``) and ``context``, the ``RunContext`` of the run, where the instances of one
run (one per fold) share what must be shared, such as a client and its counters; nothing
is shared between runs. A model whose calls wait on something else (an LLM server) sets
``workers`` above 1: the runner then predicts that many documents at once, in threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

from .records import Claim, Document


class RunContext:
    """What the model instances of one run share, made on first use and closed when the run ends."""

    def __init__(self, *, progress: bool = True):
        self.progress = progress
        self._shared: dict[object, object] = {}
        self._lock = threading.Lock()

    def shared(self, key: object, make: Callable[[], object]) -> object:
        """The object stored under ``key`` in this run, made by ``make()`` the first time it is asked for."""
        with self._lock:
            if key not in self._shared:
                self._shared[key] = make()
            return self._shared[key]

    def close(self) -> None:
        """Close every shared object that can be closed (the run is over)."""
        with self._lock:
            shared, self._shared = list(self._shared.values()), {}
        for item in shared:
            close = getattr(item, "close", None)
            if callable(close):
                close()


class Model:
    """Base class for models. Subclasses set ``name`` (or are named by the registry) and implement their tasks."""

    name: str = ""
    tasks: tuple[str, ...] = ("claims",)
    trains: tuple[str, ...] | None = None  # the tasks ``fit`` is for (None: all of ``tasks``)
    # shipped corpora (``bench.corpus.paths.CORPORA``) the runner adds to every training set, less
    # any document that is evaluated: development data, never the gold a model is scored on
    extra_training: tuple[str, ...] = ()
    progress: bool = True
    context: RunContext | None = None
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

    def dry_run(self, documents: Sequence[Document]) -> list[dict] | None:
        """What the model would send for each document, without sending it (``bench run --dry-run``):
        one row of sizes a document. None: the model has nothing to show (it sends no requests)."""
        return None

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
