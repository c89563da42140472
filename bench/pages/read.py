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

import dataclasses

import msgspec
import numpy as np

from ..records import Corpus
from ..corpus.hashes import documents_sha256, layer_sha256
from ..corpus.load import load_corpus
from ..corpus.paths import resolve_recorded
from ..exceptions import InputError
from ..formulas import value
from ..matching import MATCHED, MISSED, OUTCOMES, SCHEMES
from ..pipeline import make_config
from ..runs import OUTCOMES_FILE, Run, read_run
from ..claimants import ClaimantTable
from ..values import describe, value_exact
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
    _names: ClaimantTable | None = None
    _index: dict[str, int] | None = None

    @property
    def doc_ids(self) -> list[str]:
        return self.corpus.doc_ids

    def index(self, doc_id: str) -> int:
        if self._index is None:
            self._index = {d: k for k, d in enumerate(self.doc_ids)}
        return self._index[doc_id]

    @property
    def names(self) -> ClaimantTable:
        """Claimant names compared as the scorer compares them (the corpus's alias table)."""
        if self._names is None:
            self._names = ClaimantTable(self.corpus.claimants)
        return self._names

    def wrong(self, gold, pred) -> tuple[str, ...]:
        """What a matched prediction gets wrong all the same: the claimant or attribution form it gives,
        or a figure's value."""
        if self.task.name == "quantities":
            return () if value_exact(gold, pred) else ("value",)
        found = []
        if pred.claimant is not None and not self.names.same(gold.claimant, pred.claimant):
            found.append("claimant")
        if pred.attribution is not None and pred.attribution != gold.attribution:
            found.append("attribution")
        return tuple(found)

    def links(self):
        """A links run's predictions read again, and the claims it linked (None over the gold claims)."""
        from ..pipeline import Loaded, claims_of_run
        from ..runs import find_linked_run

        results = self.results
        claims_run, claims = results["inputs"].get("claims_run"), None
        if claims_run is not None:
            linked = find_linked_run(self.run.folder, claims_run, results["system"].get("claims"))
            claims = claims_of_run(Loaded(self.corpus, results["gold"]), linked)
        config = make_config(task="links", scheme=self.scheme, n_bootstrap=0)
        try:
            predictions = self.task.read(self.run.predictions_path, self.corpus, config, claims=claims,
                                         data=self.run.predictions())
        except InputError as exc:
            raise InputError(f"cannot read the run's links again: {exc.message}") from None
        return predictions, claims

    @property
    def entry(self):
        """The typed scores entry of the scheme shown."""
        return self.run.results.scores[self.scheme]

    def arrays(self, name: str) -> np.ndarray:
        return self.run.outcomes().scheme(self.scheme, self.run.folder / OUTCOMES_FILE)[name]

    def document_counts(self) -> list[dict[str, int]]:
        """Per document: gold and predicted records, how many of each outcome (a pair counts once), and
        the task's headline metric from the document's own unit statistics (the same formula as the run's)."""
        outcomes = self.run.outcomes()
        table = outcomes.document_counts(self.scheme)
        gold_counts, pred_counts = np.diff(outcomes.gold_offsets), np.diff(outcomes.pred_offsets)
        units = self.run.units().get(self.scheme)
        headline = None
        if units is not None:
            first = np.concatenate(([0], np.cumsum(units.sizes)))[:-1]
            counts = units.counts
            totals = np.add.reduceat(counts, first, axis=0) if len(counts) else counts
            headline = self.task.compute(totals.astype(np.float64), self.scheme)[self.task.headline_metric]
        out = []
        for k in range(len(self.doc_ids)):
            row = {kind: int(table[k, j]) for j, kind in enumerate(OUTCOMES)}
            row["gold"], row["predicted"] = int(gold_counts[k]), int(pred_counts[k])
            row["f1"] = None if headline is None else value(headline[k])
            out.append(row)
        return out

    def article(self, doc_id: str) -> Article:
        """Every gold record and prediction of one document with its outcome."""
        k = self.index(doc_id)
        outcomes = self.run.outcomes()
        g0, g1 = int(outcomes.gold_offsets[k]), int(outcomes.gold_offsets[k + 1])
        p0, p1 = int(outcomes.pred_offsets[k]), int(outcomes.pred_offsets[k + 1])
        gold_kind, gold_pred = self.arrays("gold_kind")[g0:g1], self.arrays("gold_pred")[g0:g1]
        pred_kind = self.arrays("pred_kind")[p0:p1]
        text = self.corpus.documents[doc_id].text
        gold_records = self._gold_records(doc_id)
        pred_records = self.predictions.of(k)
        pred_lines = self.predictions.lines[p0:p1].tolist()
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
            claims.append(self._view(record, PRED, kind, text, f"{base}p{j}", doc_id, ident=f"line {pred_lines[j]}"))
        paired = set()
        for i, record in enumerate(gold_records):
            kind = OUTCOMES[int(gold_kind[i])]
            p = int(gold_pred[i])
            partner = None if p < 0 else p - p0
            similarity = None
            if partner is not None:
                similarity = self._similarity(record, pred_records[partner], text)
                paired.add(partner)
                if kind == MATCHED:
                    wrong = self.wrong(record, pred_records[partner])
                    if wrong:
                        at = pred_at[partner]
                        claims[at] = dataclasses.replace(claims[at], wrong=wrong)
            claims.append(self._view(record, GOLD, kind, text, f"{base}g{i}", doc_id, similarity,
                                     ident=record.id or f"#{i}"))
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
              similarity: float | None = None, ident: str = "") -> ClaimView:
        start = -1 if record.start is None else record.start
        end = -1 if record.end is None else record.end
        shown = text[start:end] if start >= 0 else (record.text or "")
        if self.task.name == "quantities":
            detail = describe(record) + (f" · counts {record.counted}" if record.counted else "")
            return ClaimView(ref, side, doc_id, start, end, "figure", kind, shown, None, None, similarity, detail,
                             ident)
        return ClaimView(ref, side, doc_id, start, end, record.type, kind, shown, record.claimant,
                         record.attribution, similarity, ident=ident)


def read_view(folder: Path, *, scheme: str | None = None, docs: Path | None = None, gold: Path | None = None,
              prefix: str = "") -> RunView:
    """A run with its gold, documents and predictions, checked to be the ones it was scored on."""
    run = read_run(folder)
    results = msgspec.to_builtins(run.results)
    task = run.task
    scheme = scheme or results["evaluation"].get("scheme") or task.headline
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
    if results["inputs"].get("limit"):  # a run of the first documents only: compared on those
        corpus = corpus.subset(corpus.doc_ids[:results["inputs"]["limit"]])
    if documents_sha256(corpus) != recorded["docs_sha256"]:
        raise InputError(f"the documents at {docs_path} differ from the ones this run was scored on "
                         f"(docs sha256 {recorded['docs_sha256'][:12]})", path=run.folder)
    if layer_sha256(corpus, task.layer) != recorded["sha256"]:
        raise InputError(f"the gold at {gold_path} differs from the gold this run was scored on "
                         f"(sha256 {recorded['sha256'][:12]})", path=run.folder)
    settings = results["evaluation"]
    config = make_config(task=task.name, scheme=scheme, threshold=settings["threshold"],
                         align_threshold=settings.get("align_threshold", 0.5), n_bootstrap=0)
    predictions = None
    if task.per_document:
        if run.outcomes() is None:
            raise InputError("has no outcomes, which the report draws", path=run.folder / OUTCOMES_FILE)
        predictions = task.read(run.predictions_path, corpus, config, data=run.predictions())
    return RunView(run, results, scheme, task, corpus, predictions, prefix)
