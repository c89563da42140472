"""What a report shows, read back from a run folder: the run, its gold and documents, each document's outcomes.

The run's outcome arrays hold references (a gold record's position, a prediction's place in
the run's predictions.jsonl); the records themselves come from the gold (checked against
the run's gold hash) and from the predictions file read again with the run's settings.
Per-document counts come from the arrays for every document at once; an article's claims
are built only for the articles the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import msgspec
import numpy as np

from ..records import Corpus
from ..corpus import load_corpus, resolve_recorded
from ..errors import InputError
from ..fingerprint import EvalConfig, documents_sha256, layer_sha256
from ..matching import MATCHED, MISSED, OUTCOMES, SCHEMES, SPURIOUS
from ..runs import OUTCOMES_FILE, Run, read_run
from ..tasks import get_task
from .layout import GOLD, PRED, ClaimView


@dataclass(slots=True)
class Article:
    doc_id: str
    text: str
    claims: list[ClaimView]
    # (outcome, gold index, pred index, similarity), indices into ``claims``
    rows: list[tuple[str, int | None, int | None, float | None]]


@dataclass(slots=True)
class RunView:
    run: Run
    results: dict
    scheme: str
    task: object
    corpus: Corpus
    predictions: object
    prefix: str = ""

    @property
    def doc_ids(self) -> list[str]:
        return self.corpus.doc_ids

    def arrays(self, name: str) -> np.ndarray:
        found = self.run.outcomes().get(f"{self.scheme}.{name}")
        if found is None:
            raise InputError(f'the run has no "{self.scheme}" outcomes', path=self.run.folder / "outcomes.npz")
        return found

    def document_counts(self) -> list[dict[str, int]]:
        """Per document: gold and predicted records, and how many of each outcome (a pair counts once)."""
        outcomes = self.run.outcomes()
        gold_offsets, pred_offsets = outcomes["gold_offsets"], outcomes["pred_offsets"]
        gold_kind, pred_kind = self.arrays("gold_kind"), self.arrays("pred_kind")
        n_docs = len(self.doc_ids)
        gold_doc = np.repeat(np.arange(n_docs), np.diff(gold_offsets))
        pred_doc = np.repeat(np.arange(n_docs), np.diff(pred_offsets))
        table = np.zeros((n_docs, len(OUTCOMES)), np.int64)
        np.add.at(table, (gold_doc, gold_kind.astype(np.int64)), 1)
        alone = pred_kind == OUTCOMES.index(SPURIOUS)
        np.add.at(table, (pred_doc[alone], pred_kind[alone].astype(np.int64)), 1)
        out = []
        for k in range(n_docs):
            row = {kind: int(table[k, j]) for j, kind in enumerate(OUTCOMES)}
            row["gold"] = int(gold_offsets[k + 1] - gold_offsets[k])
            row["predicted"] = int(pred_offsets[k + 1] - pred_offsets[k])
            matched = row[MATCHED]
            errors = row["gold"] - matched + row["predicted"] - matched
            row["f1"] = 2 * matched / (2 * matched + errors) if 2 * matched + errors else None
            out.append(row)
        return out

    def article(self, doc_id: str) -> Article:
        """Every gold record and prediction of one document with its outcome."""
        k = self.doc_ids.index(doc_id)
        outcomes = self.run.outcomes()
        g0, g1 = int(outcomes["gold_offsets"][k]), int(outcomes["gold_offsets"][k + 1])
        p0, p1 = int(outcomes["pred_offsets"][k]), int(outcomes["pred_offsets"][k + 1])
        gold_kind, gold_pred = self.arrays("gold_kind")[g0:g1], self.arrays("gold_pred")[g0:g1]
        pred_kind = self.arrays("pred_kind")[p0:p1]
        text = self.corpus.documents[doc_id].text
        gold_records = self._gold_records(doc_id)
        pred_records = self.predictions.by_doc.get(doc_id, [])
        if len(gold_records) != g1 - g0 or len(pred_records) != p1 - p0:
            raise InputError("the run's outcomes do not fit its gold and predictions (the run was changed?)",
                             path=self.run.folder)
        base = f"{self.prefix}d{k}"
        claims: list[ClaimView] = []
        rows = []
        pred_at: dict[int, int] = {}
        for j, record in enumerate(pred_records):
            kind = OUTCOMES[int(pred_kind[j])]
            pred_at[j] = len(claims)
            claims.append(self._view(record, PRED, kind, text, f"{base}p{j}", doc_id))
        paired = set()
        for i, record in enumerate(gold_records):
            kind = OUTCOMES[int(gold_kind[i])]
            p = int(gold_pred[i])
            partner = None if p < 0 else p - p0
            similarity = None
            if partner is not None:
                similarity = self._similarity(record, pred_records[partner], text)
                paired.add(partner)
            claims.append(self._view(record, GOLD, kind, text, f"{base}g{i}", doc_id, similarity))
            rows.append((kind, len(claims) - 1, None if partner is None else pred_at[partner], similarity))
        for j in range(len(pred_records)):
            if j not in paired:
                rows.append((claims[pred_at[j]].outcome, None, pred_at[j], None))
        if any(kind == MISSED for kind, g, p, _ in rows if p is not None):
            raise InputError("damaged outcomes: a missed gold claim with a prediction", path=self.run.folder)
        return Article(doc_id, text, claims, rows)

    def _gold_records(self, doc_id: str) -> list:
        if self.task.name == "quantities":
            return (self.corpus.quantities or {}).get(doc_id, [])
        return self.corpus.gold.get(doc_id, [])

    def _similarity(self, gold, pred, text: str) -> float | None:
        scheme = SCHEMES.get(self.scheme)
        if scheme is None:
            return None
        if scheme.uses_text:
            gold = gold if gold.text is not None else msgspec.structs.replace(gold, text=text[gold.start:gold.end])
            pred = pred if pred.text is not None or pred.start < 0 else msgspec.structs.replace(
                pred, text=text[pred.start:pred.end])
        return float(scheme.similarity(gold, pred))

    def _view(self, record, side: str, kind: str, text: str, ref: str, doc_id: str,
              similarity: float | None = None) -> ClaimView:
        start = -1 if record.start is None else record.start
        end = -1 if record.end is None else record.end
        shown = text[start:end] if start >= 0 else (record.text or "")
        if self.task.name == "quantities":
            from ..tasks.quantities import describe

            detail = describe(record) + (f" · counts {record.counted}" if record.counted else "")
            return ClaimView(ref, side, doc_id, start, end, "figure", kind, shown, None, None, similarity, detail)
        return ClaimView(ref, side, doc_id, start, end, record.type, kind, shown, record.claimant,
                         record.attribution, similarity)


def read_view(folder: Path, *, scheme: str | None = None, docs: Path | None = None, gold: Path | None = None,
              prefix: str = "") -> RunView:
    """A run with its gold, documents and predictions, checked to be the ones it was scored on."""
    run = read_run(folder)
    results = msgspec.to_builtins(run.results)
    task = get_task(results["task"])
    scheme = scheme or results["settings"].get("scheme") or task.headline
    if scheme not in results["scores"]:
        raise InputError(f'run {results["run_id"]} has no scores for scheme "{scheme}"', path=run.folder)
    recorded = results["gold"]
    docs_path = Path(docs) if docs is not None else resolve_recorded(recorded["docs_path"])
    gold_path = Path(gold) if gold is not None else resolve_recorded(recorded["path"])
    for path, what, option in ((docs_path, "documents", "--docs"), (gold_path, "gold", "--gold")):
        if not path.exists():
            raise InputError(f"the {what} this run was scored on are not at {path} any more; pass {option} "
                             "with where they moved", path=run.folder)
    corpus = load_corpus(gold=gold_path, docs=docs_path)
    if documents_sha256(corpus) != recorded["docs_sha256"]:
        raise InputError(f"the documents at {docs_path} differ from the ones this run was scored on "
                         f"(docs sha256 {recorded['docs_sha256'][:12]})", path=run.folder)
    if results["config"].get("limit"):
        corpus = corpus.subset(corpus.doc_ids[:results["config"]["limit"]])
    if layer_sha256(corpus, task.layer) != recorded["sha256"]:
        raise InputError(f"the gold at {gold_path} differs from the gold this run was scored on "
                         f"(sha256 {recorded['sha256'][:12]})", path=run.folder)
    settings = results["settings"]
    config = EvalConfig(task=task.name, scheme=scheme, threshold=settings["threshold"],
                        align_threshold=settings.get("align_threshold", 0.5))
    predictions = None
    if task.per_document:
        if not run.outcomes():
            raise InputError("has no outcomes, which the report draws", path=run.folder / OUTCOMES_FILE)
        predictions = task.read(run.predictions_path, corpus, config, data=run.predictions())
    return RunView(run, results, scheme, task, corpus, predictions, prefix)
