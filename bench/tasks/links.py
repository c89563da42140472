"""The ``links`` task: which claims state the same proposition, across articles, and which conflict.

Gold layer: ``links.json`` beside the gold (gold/GUIDELINES.md, section 11): clusters of
gold claims and conflicts between clusters or single claims.

Predictions: one JSON object in the format of ``links.json``: ``{"clusters": [{"id",
"claims": [{"doc_id", "id"}]}], "conflicts": [{"a", "b", "why"}]}``; a side of a conflict is
a cluster id or a claim reference. Two settings:

- *gold claims* (the default): the system links the gold claims; references are gold
  claim ids;
- *end to end* (``--claims-run RUN``): the system links the claims a claims run predicted,
  referred to by their ``id`` when it is unique in its document, else by ``L<line>``, their
  line in the run's predictions.jsonl (``LinkInputs.of_claims_run`` says how). Each
  predicted claim stands for the gold claim whose span it matched under the claims run's
  ``lenient`` scheme, whatever its type; a boundary partner or an unmatched claim is a
  spurious mention. Claims given by offsets carry their span's text, so a system can read them.

Scorer: MUC, B³, CEAFₑ, their mean (CoNLL F1) and LEA (``bench.coref``, cross-checked
against scorch in the tests), and conflict precision, recall and F1 over unordered claim
pairs (a conflict between two clusters is every pair across them). Both singleton
policies are reported, as schemes: ``singletons`` (claims in no cluster are entities of
their own, in the key and in the response) and ``no-singletons`` (entities of one claim are
left out of both, as in CoNLL-2012). Intervals and paired tests resample the gold's
entities: every statistic is filed under the key entity of the mention it is about (a
response entity under the key entity of its first mention), and statistics that concern no
gold claim under one shared unit, ``spurious``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

import msgspec
import numpy as np

from ..coref import COLUMNS, METRICS, clustering, entity_stats, link_metrics
from ..corpus.links import LINKS_DECODER, LinksRecord, links_from_record
from ..exceptions import InputError
from ..formulas import value
from ..jsonio import decode_one, read_bytes, to_json
from ..matching import MATCHED, OUTCOMES, WRONG_TYPE
from ..records import ClaimRef, Corpus
from ..significance import Units
from ..tables import fmt_interval, fmt_score, render
from .base import Metric, Row, SchemeScore, Task
from .schema import PRF, Intervals, PRFCounts

SCHEME_NAMES = ("singletons", "no-singletons")
GOLD_CLAIMS, END_TO_END = "gold claims", "end to end"
SPURIOUS_UNIT = "spurious"
_C = {name: k for k, name in enumerate(COLUMNS)}


@dataclass(slots=True)
class LinksPredictions:
    """A system's links with every reference resolved to a mention (a gold ``ClaimRef``, or a spurious one)."""

    clusters: list[list]
    conflict_pairs: set[frozenset]
    mentions: list  # every mention the system worked on
    source: bytes
    claims_run: str | None = None  # the claims run linked end to end, None over the gold claims
    count: int = 0
    documents_predicted: int = 0
    alignment: list = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    digest: str = ""  # SHA-256 of the links written canonically: a file and the same mapping agree

    @property
    def setting(self) -> str:
        return GOLD_CLAIMS if self.claims_run is None else END_TO_END


@dataclass(slots=True)
class LinkInputs:
    """The claims a links system works on: by document, what each stands for, and the claims run
    they came from (with what of it the signature names: its id, its predictions' hash, its settings)."""

    claims: dict[str, list]
    meaning: dict[ClaimRef, object]
    run_id: str | None = None
    signed: str | None = None

    @classmethod
    def gold(cls, corpus: Corpus) -> LinkInputs:
        """The gold claims (the gold-claims setting)."""
        claims = {d: list(corpus.gold[d]) for d in corpus.doc_ids}
        return cls(claims, {ClaimRef(d, c.id): ClaimRef(d, c.id) for d in claims for c in claims[d]})

    @classmethod
    def of_claims_run(cls, corpus: Corpus, predictions, outcomes, *, run_id: str, signed: str) -> LinkInputs:
        """The predicted claims of a claims run, named uniquely, and what each stands for (end to end).

        ``predictions`` are the run's (``bench.tasks.predictions.Predictions``), ``outcomes``
        its outcome arrays; both are read and checked by the caller.
        """
        lenient = outcomes.scheme("lenient")
        gold_pred, gold_kind = lenient["gold_pred"], lenient["gold_kind"]
        gold_refs = [ClaimRef(d, c.id) for d in corpus.doc_ids for c in corpus.gold[d]]
        # A prediction stands for the gold claim whose span it matched (IoU >= the run's threshold), of
        # whatever type: links are about propositions. A boundary partner stands for nothing.
        same_span = np.isin(gold_kind, [OUTCOMES.index(MATCHED), OUTCOMES.index(WRONG_TYPE)]).tolist()
        stands_for = {p: gold_refs[g] for g, p in enumerate(gold_pred.tolist()) if p >= 0 and same_span[g]}
        claims, meaning = {}, {}
        for k, doc_id in enumerate(corpus.doc_ids):
            text = corpus.documents[doc_id].text
            start = int(predictions.offsets[k])
            own = predictions.of(k)
            lines = predictions.lines[start:start + len(own)].tolist()
            names = _names([c.id for c in own], lines)
            named = []
            for j, (claim, name) in enumerate(zip(own, names)):
                if claim.text is None and claim.start is not None and claim.start >= 0:
                    claim = msgspec.structs.replace(claim, text=text[claim.start:claim.end])
                named.append(msgspec.structs.replace(claim, id=name))
                meaning[ClaimRef(doc_id, name)] = stands_for.get(start + j, ("spurious", doc_id, name))
            claims[doc_id] = named
        return cls(claims, meaning, run_id, signed)


def _names(ids: list[str | None], lines: list[int]) -> list[str]:
    """A claim's own id when it is unique in its document, else ``L<line>`` (made unique against the ids)."""
    counts = Counter(i for i in ids if i is not None)
    taken = {i for i, n in counts.items() if n == 1}
    names = []
    for claim_id, line in zip(ids, lines):
        if claim_id in taken:
            names.append(claim_id)
            continue
        name = f"L{line}"
        while name in taken:
            name += "'"
        taken.add(name)
        names.append(name)
    return names


class _F1(msgspec.Struct):
    f1: float | None


class _Counts(msgspec.Struct):
    key_entities: int
    response_entities: int
    spurious_mentions: int


class LinkScores(msgspec.Struct):
    """One scheme's entry in ``results.json``, written and read with this shape."""

    scheme: str
    setting: str
    muc: PRF
    b3: PRF
    ceafe: PRF
    lea: PRF
    conll: _F1
    conflicts: PRFCounts
    counts: _Counts
    ci: Intervals | None = None


class LinksTask(Task):
    name = "links"
    description = "claims that state the same thing across articles (clusters) and that conflict"
    layer = "links"
    schemes = SCHEME_NAMES
    prediction_format = ('one JSON object: {"clusters": [{"id", "claims": [{"doc_id", "id"}]}], '
                         '"conflicts": [{"a", "b", "why"}]}, as gold/links.json')
    model_method = "predict_links"
    per_document = False
    items_name = "links"
    signature_settings = ()  # claims are paired by reference, not by span overlap
    metrics = tuple(Metric(f"{name}_{part}") for name in (*METRICS, "conflict") for part in ("f1", "precision",
                                                                                               "recall")) + (
        Metric("conll_f1"),)
    headline_metric = "conll_f1"
    scores_schema = LinkScores
    breakdown_rows = METRICS
    key_rows = ("conflicts",)

    def require(self, corpus: Corpus) -> None:
        if corpus.links is None:
            raise InputError('this gold has no link layer (task "links" needs links.json beside the gold; '
                             "see gold/GUIDELINES.md, section 11)")

    def model_claims(self, corpus: Corpus, claims: LinkInputs | None, config) -> LinkInputs:
        return claims if claims is not None else LinkInputs.gold(corpus)

    def call_model(self, model, documents, inputs: LinkInputs):
        return model.predict_links(documents, inputs.claims)

    # -- predictions

    def _resolve(self, record: LinksRecord, corpus: Corpus, source: bytes, inputs: LinkInputs,
                 where: str) -> LinksPredictions:
        links, problems = links_from_record(record)
        if problems:
            raise InputError(f"{where}: {problems[0]}")
        known, run_id = inputs.meaning, inputs.run_id
        for ref in [r for refs in links.clusters.values() for r in refs] + [
                s for a, b, _ in links.conflicts for s in (a, b) if isinstance(s, ClaimRef)]:
            if ref not in known:
                what = "gold claim" if run_id is None else f"claim of run {run_id}"
                raise InputError(f"{where}: claim {ref.doc_id}/{ref.id} is not a {what}")
        clusters = [[known[r] for r in refs] for refs in links.clusters.values()]
        pairs = set()
        for a, b, _ in links.conflicts:
            for x in links.members(a):
                for y in links.members(b):
                    if known[x] != known[y]:
                        pairs.add(frozenset((known[x], known[y])))
        canonical = to_json(msgspec.to_builtins(record))
        return LinksPredictions(clusters, pairs, list(dict.fromkeys(known.values())), source, run_id,
                                count=len(links.clusters) + len(links.conflicts),
                                documents_predicted=len(corpus.documents),
                                digest=hashlib.sha256(canonical).hexdigest())

    def read(self, path, corpus: Corpus, config, *, data: bytes | None = None,
             claims: LinkInputs | None = None) -> LinksPredictions:
        data = read_bytes(path) if data is None else data
        try:
            record = decode_one(data, LINKS_DECODER)
        except InputError as exc:
            raise exc.at(path) from None
        return self._resolve(record, corpus, data, self.model_claims(corpus, claims, config), str(path))

    def check_file(self, path, corpus: Corpus, config, *, limit: int = 20) -> list[str]:
        try:
            self.read(path, corpus, config)
        except InputError as exc:
            return [str(exc)]
        return []

    def from_objects(self, items, corpus: Corpus, config, *, claims: LinkInputs | None = None,
                     where: str = "predictions") -> LinksPredictions:
        """Links given in memory (a model's output, or the API's): one mapping in the format of gold/links.json."""
        try:
            record = msgspec.convert(items, LinksRecord)
        except msgspec.ValidationError as exc:
            raise InputError(f"{where}: links output does not fit the links format: {exc}") from None
        source = to_json(msgspec.to_builtins(record), indent=True)
        return self._resolve(record, corpus, source, self.model_claims(corpus, claims, config), where)

    # -- scoring

    def compute(self, totals: np.ndarray, scheme: str) -> dict[str, np.ndarray]:
        return link_metrics(totals)

    def prepare(self, corpus: Corpus, predictions: LinksPredictions, config):
        gold_mentions = [ClaimRef(d, c.id) for d in corpus.doc_ids for c in corpus.gold[d]]
        return corpus, predictions, gold_mentions, corpus.links.conflict_pairs()

    def score_scheme(self, prepared, scheme: str, config) -> SchemeScore:
        corpus, predictions, gold_mentions, gold_pairs = prepared
        keep = scheme == "singletons"
        key = clustering(list(corpus.links.clusters.values()), gold_mentions, singletons=keep)
        response = clustering(predictions.clusters, predictions.mentions, singletons=keep)
        counts, groups = _unit_stats(key, response, gold_pairs, predictions.conflict_pairs)
        units = Units(groups=groups, sizes=np.ones(len(groups), np.int64), columns=COLUMNS, counts=counts)
        facts = {"setting": predictions.setting, "key_entities": len(key), "response_entities": len(response),
                 "spurious_mentions": sum(1 for x in predictions.mentions if not isinstance(x, ClaimRef))}
        return SchemeScore(units, None, facts)

    def entry(self, scheme: str, totals: np.ndarray, values: dict, part: SchemeScore, config) -> LinkScores:
        m = {k: value(v) for k, v in values.items()}
        blocks = {name: PRF(m[f"{name}_precision"], m[f"{name}_recall"], m[f"{name}_f1"]) for name in METRICS}
        facts = part.facts
        return LinkScores(
            scheme=scheme, setting=facts["setting"], **blocks, conll=_F1(m["conll_f1"]),
            conflicts=PRFCounts(precision=m["conflict_precision"], recall=m["conflict_recall"],
                                f1=m["conflict_f1"], tp=int(round(totals[_C["conflict_tp"]])),
                                fp=int(round(totals[_C["conflict_fp"]])), fn=int(round(totals[_C["conflict_fn"]]))),
            counts=_Counts(key_entities=facts["key_entities"], response_entities=facts["response_entities"],
                           spurious_mentions=facts["spurious_mentions"]))

    # -- tables

    def rows(self, entry: LinkScores) -> list[Row]:
        rows = []
        for name in METRICS:
            block = getattr(entry, name)
            rows.append(self.row(name, block.precision, block.recall, block.f1, entry, f"{name}_f1"))
        rows.append(self.row("conll", None, None, entry.conll.f1, entry, "conll_f1", has_pr=False))
        c = entry.conflicts
        rows.append(self.row("conflicts", c.precision, c.recall, c.f1, entry, "conflict_f1"))
        return rows

    def table(self, entry: LinkScores, fmt: str) -> str:
        rows = [[row.name, row.shown_pr(row.precision), row.shown_pr(row.recall), fmt_score(row.value),
                 fmt_interval(row.ci, missing="-")] for row in self.rows(entry)]
        return render(rows, ["metric", "P", "R", "F1", "F1 95% CI"], fmt)

    def summary(self, results, scheme: str) -> list[str]:
        entry = results.scores[scheme]
        c = entry.conflicts
        return [f"{entry.counts.key_entities} gold entities, {entry.counts.response_entities} predicted; "
                f"conflict pairs: {c.tp + c.fn} gold, {c.tp + c.fp} predicted"]


def _anchor(entity: set) -> object:
    return min(entity, key=_mention_key)


def _mention_key(m) -> tuple:
    return (0, m.doc_id, m.id) if isinstance(m, ClaimRef) else (1, *map(str, m))


def _name(m) -> str:
    return f"{m.doc_id}/{m.id}" if isinstance(m, ClaimRef) else "/".join(map(str, m))


def _unit_stats(key: list[set], response: list[set], gold_pairs: set, pred_pairs: set) -> tuple[np.ndarray, list[str]]:
    """stats[unit, column]: one unit per key entity (named by its first mention) and the spurious unit."""
    key = sorted(key, key=lambda e: _mention_key(_anchor(e)))
    groups = [_name(_anchor(e)) for e in key] + [SPURIOUS_UNIT]
    unit_of = {m: i for i, e in enumerate(key) for m in e}
    spurious = len(key)
    counts = np.zeros((len(groups), len(COLUMNS)), np.float64)
    recall, precision = entity_stats(key, response)
    for i, row in enumerate(recall):
        for name, number in row.items():
            counts[i, _C[name]] += number
    for entity, row in zip(response, precision):
        unit = unit_of.get(_anchor(entity), spurious)
        for name, number in row.items():
            counts[unit, _C[name]] += number
    for pair in gold_pairs | pred_pairs:
        unit = unit_of.get(min(pair, key=_mention_key), spurious)
        column = "conflict_tp" if pair in gold_pairs and pair in pred_pairs else (
            "conflict_fn" if pair in gold_pairs else "conflict_fp")
        counts[unit, _C[column]] += 1
    return counts, groups


TASK = LinksTask()
