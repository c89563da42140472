"""The ``links`` task: which claims state the same proposition, across articles, and which conflict.

Gold layer: ``links.json`` beside the gold (gold/GUIDELINES.md, section 11): clusters of
gold claims and conflicts between clusters or single claims.

Predictions: one JSON object in the format of ``links.json``: ``{"clusters": [{"id",
"claims": [{"doc_id", "id"}]}], "conflicts": [{"a", "b", "why"}]}``; a side of a conflict is
a cluster id or a claim reference. Two settings:

- *gold claims* (the default): the system links the gold claims; references are gold
  claim ids;
- *end to end* (``--claims-run RUN``): the system links the claims a claims run predicted,
  referred to by their ``id`` (or ``L<line>``, their line in the run's predictions.jsonl,
  when ids are missing or repeated); each predicted claim stands for the gold claim whose
  span it matched under the claims run's ``lenient`` scheme, whatever its type; a
  boundary partner or an unmatched claim is a spurious mention.

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

from dataclasses import dataclass, field

import msgspec
import numpy as np

from ..records import ClaimRef, Corpus
from ..coref import METRICS, STATS, clustering, entity_stats
from ..corpus import LINKS_DECODER, LinksRecord, links_from_record
from ..errors import InputError
from ..jsonio import decode_one, read_bytes, to_json
from ..matching import MATCHED, OUTCOMES, WRONG_TYPE
from ..significance import Units, ratio
from ..tables import fmt_interval, fmt_score, notes, render
from .base import Row, Scored, Task, ci_of
from .schema import PRF, Intervals, PRFCounts, check_entries

SCHEME_NAMES = ("singletons", "no-singletons")
GOLD_CLAIMS, END_TO_END = "gold claims", "end to end"
COLUMNS = STATS + ("conflict_tp", "conflict_fp", "conflict_fn")
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
    claims_signed: str | None = None  # that run as the signature names it (LinkInputs.signed)
    count: int = 0
    documents_predicted: int = 0
    alignment: list = field(default_factory=list)

    @property
    def setting(self) -> str:
        return GOLD_CLAIMS if self.claims_run is None else END_TO_END


@dataclass(slots=True)
class LinkInputs:
    """The claims a links model works on: by document, what each stands for, and the claims run they came from."""

    claims: dict[str, list]
    meaning: dict[ClaimRef, object]
    run_id: str | None = None
    run_predictions: str | None = None  # sha256 of the claims run's predictions.jsonl

    @property
    def signed(self) -> str | None:
        """The claims run as the signature names it: its id and its predictions' hash."""
        return None if self.run_id is None else f"{self.run_id}#{self.run_predictions[:12]}"


def link_inputs(corpus: Corpus, claims_run: str | None) -> LinkInputs:
    """The gold claims (gold-claims setting), or the predicted claims of ``claims_run`` (end to end)."""
    if claims_run is None:
        claims = {d: list(corpus.gold[d]) for d in corpus.doc_ids}
        return LinkInputs(claims, {ClaimRef(d, c.id): ClaimRef(d, c.id) for d in claims for c in claims[d]})
    return _claims_of_run(corpus, claims_run)


def _claims_of_run(corpus: Corpus, spec: str) -> LinkInputs:
    """The predicted claims of a claims run (ids made unique) and what each stands for, with the run's id."""
    from ..fingerprint import documents_sha256, layer_sha256
    from ..predictions import read_predictions
    from ..runs import find_run, read_run

    run = read_run(find_run(spec))
    results = run.results
    if results.task != "claims":
        raise InputError(f'--claims-run {spec}: a run of task "{results.task}", not a claims run')
    if results.gold.sha256 != layer_sha256(corpus, "claims") or results.gold.docs_sha256 != documents_sha256(corpus):
        raise InputError(f"--claims-run {spec}: scored on other gold or documents than the links gold")
    data = run.predictions()
    predictions = read_predictions(run.predictions_path, corpus.documents, data=data,
                                   threshold=float(results.settings.get("align_threshold", 0.5)))
    outcomes = run.outcomes()
    try:
        gold_pred, gold_kind = outcomes["lenient.gold_pred"], outcomes["lenient.gold_kind"]
        pred_line, offsets = outcomes["pred_line"], outcomes["pred_offsets"]
    except KeyError:
        raise InputError(f"--claims-run {spec}: the run has no lenient outcomes") from None
    if [len(predictions.by_doc.get(d, [])) for d in corpus.doc_ids] != np.diff(offsets).tolist():
        raise InputError("does not fit the run's outcomes (the run was changed)", path=run.predictions_path)
    gold_refs = [ClaimRef(d, c.id) for d in corpus.doc_ids for c in corpus.gold[d]]
    # A prediction stands for the gold claim whose span it matched (IoU >= the run's threshold), of
    # whatever type: links are about propositions. A boundary partner stands for nothing.
    same_span = np.isin(gold_kind, [OUTCOMES.index(MATCHED), OUTCOMES.index(WRONG_TYPE)]).tolist()
    stands_for = {int(pred_line[p]): gold_refs[g]
                  for g, p in enumerate(gold_pred.tolist()) if p >= 0 and same_span[g]}
    claims, meaning = {}, {}
    for doc_id in corpus.doc_ids:
        own = predictions.by_doc.get(doc_id, [])
        lines = predictions.lines.get(doc_id, [])
        ids = [c.id for c in own]
        unique = {i for i in ids if i is not None and ids.count(i) == 1}
        named = []
        for claim, line in zip(own, lines):
            name = claim.id if claim.id in unique else f"L{line}"
            named.append(msgspec.structs.replace(claim, id=name))
            meaning[ClaimRef(doc_id, name)] = stands_for.get(line, ("spurious", doc_id, name))
        claims[doc_id] = named
    return LinkInputs(claims, meaning, run.run_id, run.predictions_sha256())


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
    value_name = "F1"
    signature_settings = ()  # claims are paired by reference, not by span overlap

    def require(self, corpus: Corpus) -> None:
        if corpus.links is None:
            raise InputError('this gold has no link layer (task "links" needs links.json beside the gold; '
                             "see gold/GUIDELINES.md, section 11)")

    def model_claims(self, corpus: Corpus, claims_run: str | None, config) -> tuple[LinkInputs, str | None]:
        inputs = link_inputs(corpus, claims_run)
        return inputs, inputs.run_id

    def call_model(self, model, documents, inputs: LinkInputs):
        return model.predict_links(documents, inputs.claims)

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
        return LinksPredictions(clusters, pairs, list(dict.fromkeys(known.values())), source, run_id, inputs.signed,
                                count=len(links.clusters) + len(links.conflicts),
                                documents_predicted=len(corpus.documents))

    def read(self, path, corpus: Corpus, config, *, data: bytes | None = None,
             claims_run: str | None = None) -> LinksPredictions:
        data = read_bytes(path) if data is None else data
        try:
            record = decode_one(data, LINKS_DECODER)
        except InputError as exc:
            raise exc.at(path) from None
        return self._resolve(record, corpus, data, link_inputs(corpus, claims_run), str(path))

    def check_file(self, path, corpus: Corpus, config, *, limit: int = 20) -> list[str]:
        try:
            self.read(path, corpus, config)
        except InputError as exc:
            return [str(exc)]
        return []

    def from_objects(self, items, corpus: Corpus, config, *, claims_run: str | None = None,
                     **_) -> LinksPredictions:
        """Links given in memory: one mapping in the format of gold/links.json."""
        return self._from_mapping(items, corpus, link_inputs(corpus, claims_run), "predictions")

    def from_model(self, output, corpus: Corpus, config, *, claims: LinkInputs, model: str = "") -> LinksPredictions:
        return self._from_mapping(output, corpus, claims, f'model "{model}"')

    def _from_mapping(self, output, corpus: Corpus, inputs: LinkInputs, where: str) -> LinksPredictions:
        try:
            record = msgspec.convert(output, LinksRecord)
        except msgspec.ValidationError as exc:
            raise InputError(f"{where}: links output does not fit the links format: {exc}") from None
        source = to_json(msgspec.to_builtins(record), indent=True)
        return self._resolve(record, corpus, source, inputs, where)

    # -- scoring

    def metrics(self, scheme: str):
        return link_metrics

    def score(self, corpus: Corpus, predictions: LinksPredictions, config) -> Scored:
        gold_mentions = [ClaimRef(d, c.id) for d in corpus.doc_ids for c in corpus.gold[d]]
        gold_pairs = corpus.links.conflict_pairs()
        scores, units = {}, {}
        order = [config.scheme] + [s for s in self.schemes if s != config.scheme]
        for scheme in order:
            keep = scheme == "singletons"
            key = clustering(list(corpus.links.clusters.values()), gold_mentions, singletons=keep)
            response = clustering(predictions.clusters, predictions.mentions, singletons=keep)
            counts, groups = _unit_stats(key, response, gold_pairs, predictions.conflict_pairs)
            units[scheme] = Units(groups=groups, sizes=np.ones(len(groups), np.int64), columns=COLUMNS, counts=counts)
            entry = _entry(counts.sum(axis=0), scheme, predictions, key, response)
            entry["ci"] = self.intervals(units[scheme], scheme, config.n_bootstrap, config.seed)
            scores[scheme] = entry
        return Scored(scores, units, {})

    def check_scores(self, scores: dict) -> str | None:
        return check_entries(scores, LinkScores)

    def rows(self, entry: dict) -> list[Row]:
        rows = [Row(name, entry[name]["precision"], entry[name]["recall"], entry[name]["f1"], ci_of(entry, f"{name}_f1"),
                    f"{name}_f1") for name in METRICS]
        rows.append(Row("conll", None, None, entry["conll"]["f1"], ci_of(entry, "conll_f1"), "conll_f1", has_pr=False))
        c = entry["conflicts"]
        rows.append(Row("conflicts", c["precision"], c["recall"], c["f1"], ci_of(entry, "conflict_f1"), "conflict_f1"))
        return rows

    def table(self, entry: dict, fmt: str) -> str:
        rows = [[row.name, row.shown_pr(row.precision), row.shown_pr(row.recall), fmt_score(row.value),
                 fmt_interval(row.ci, missing="-")] for row in self.rows(entry)]
        return render(rows, ["metric", "P", "R", "F1", "F1 95% CI"], fmt)

    def report(self, results: dict, scheme: str, fmt: str) -> str:
        entry = results["scores"][scheme]
        counts = entry["counts"]
        head = notes([f"{results['model']} | task links ({entry['setting']}) | scheme {scheme}", ""], fmt)
        tail = ["", f"{counts['key_entities']} gold entities, {counts['response_entities']} predicted; "
                    f"conflict pairs: {entry['conflicts']['tp'] + entry['conflicts']['fn']} gold, "
                    f"{entry['conflicts']['tp'] + entry['conflicts']['fp']} predicted",
                results["signatures"][scheme]]
        return "\n".join([*head, self.table(entry, fmt), *notes(tail, fmt)])


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
        for name, value in row.items():
            counts[i, _C[name]] += value
    for entity, row in zip(response, precision):
        unit = unit_of.get(_anchor(entity), spurious)
        for name, value in row.items():
            counts[unit, _C[name]] += value
    for pair in gold_pairs | pred_pairs:
        unit = unit_of.get(min(pair, key=_mention_key), spurious)
        column = "conflict_tp" if pair in gold_pairs and pair in pred_pairs else (
            "conflict_fn" if pair in gold_pairs else "conflict_fp")
        counts[unit, _C[column]] += 1
    return counts, groups


def link_metrics(totals: np.ndarray) -> dict[str, np.ndarray]:
    """Every link metric from totals of shape (..., len(COLUMNS)); NaN where undefined."""
    t = {name: np.asarray(totals, float)[..., k] for k, name in enumerate(COLUMNS)}

    def prf(r_num, r_den, p_num, p_den, name):
        r, p = ratio(r_num, r_den), ratio(p_num, p_den)
        f1 = np.where(np.isnan(r) | np.isnan(p), np.nan, ratio(2 * p * r, p + r))
        f1 = np.where(~np.isnan(r) & ~np.isnan(p) & (p + r == 0), 0.0, f1)
        return {f"{name}_precision": p, f"{name}_recall": r, f"{name}_f1": f1}

    out = {}
    out |= prf(t["muc_r_num"], t["muc_r_den"], t["muc_p_num"], t["muc_p_den"], "muc")
    out |= prf(t["b3_r_num"], t["b3_r_den"], t["b3_p_num"], t["b3_p_den"], "b3")
    out |= prf(t["ceaf_sim"], t["ceaf_k"], t["ceaf_sim"], t["ceaf_r"], "ceafe")
    out |= prf(t["lea_r_num"], t["lea_r_den"], t["lea_p_num"], t["lea_p_den"], "lea")
    out["conll_f1"] = (out["muc_f1"] + out["b3_f1"] + out["ceafe_f1"]) / 3
    tp, fp, fn = t["conflict_tp"], t["conflict_fp"], t["conflict_fn"]
    out["conflict_precision"], out["conflict_recall"] = ratio(tp, tp + fp), ratio(tp, tp + fn)
    out["conflict_f1"] = ratio(2 * tp, 2 * tp + fp + fn)
    return out


def _entry(totals: np.ndarray, scheme: str, predictions: LinksPredictions, key, response) -> dict:
    m = {k: (None if np.isnan(v) else float(v)) for k, v in link_metrics(totals).items()}
    t = {name: int(round(totals[k])) for k, name in enumerate(COLUMNS) if name.startswith("conflict")}
    entry = {"scheme": scheme, "setting": predictions.setting}
    for name in METRICS:
        entry[name] = {"precision": m[f"{name}_precision"], "recall": m[f"{name}_recall"], "f1": m[f"{name}_f1"]}
    entry["conll"] = {"f1": m["conll_f1"]}
    entry["conflicts"] = {"precision": m["conflict_precision"], "recall": m["conflict_recall"],
                          "f1": m["conflict_f1"], "tp": t["conflict_tp"], "fp": t["conflict_fp"],
                          "fn": t["conflict_fn"]}
    entry["counts"] = {"key_entities": len(key), "response_entities": len(response),
                       "spurious_mentions": sum(1 for x in predictions.mentions if not isinstance(x, ClaimRef))}
    return entry


class _F1(msgspec.Struct):
    f1: float | None


class _Counts(msgspec.Struct):
    key_entities: int
    response_entities: int
    spurious_mentions: int


class LinkScores(msgspec.Struct):
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


TASK = LinksTask()
