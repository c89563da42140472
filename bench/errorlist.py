"""``bench errors``: every gold record and prediction of a run with its outcome, as a table, JSONL or CSV.

For claims and quantities, the outcomes are the run's own (``outcomes.npz``, under the
scheme asked for): one line per gold record, holding the prediction it was paired with, and
one per prediction paired with none. A matched pair that gets the claimant or the attribution
form wrong (claims), or the value (quantities), says so in ``wrong``.

Links runs store no outcome arrays; their outcomes are derived here from the run's
predictions and the gold, in the terms of the links task: each gold claim is ``matched``
when its predicted cluster holds exactly the claims of its gold cluster (a claim in no
cluster must be left alone), else ``wrong_cluster``, with the partners it lost (``missing``)
and gained (``extra``); end to end, a gold claim no predicted claim stands for is
``missed`` and a predicted claim that stands for no gold claim is ``spurious``; each
conflicting pair of claims, gold or predicted, is ``matched``, ``missed`` or ``spurious``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import InputError
from .matching import MATCHED, MISSED, OUTCOMES, SPURIOUS
from .records import ClaimRef

WRONG_CLUSTER = "wrong_cluster"
# what a matched pair may get wrong, filtered as the outcome "wrong_<field>"
WRONG_FIELDS = ("claimant", "attribution", "value")
OUTCOME_FILTERS = (*OUTCOMES, WRONG_CLUSTER, *(f"wrong_{f}" for f in WRONG_FIELDS))
FORMATS = ("table", "jsonl", "csv")
TEXT_CHARS = 70  # characters of a text shown in the table


@dataclass(slots=True)
class ErrorList:
    """The lines of a listing (plain dicts, the same keys for every line of a task) and how they were chosen."""

    task: str
    scheme: str
    run_id: str
    lines: list[dict] = field(default_factory=list)

    def render(self, fmt: str = "table") -> str:
        if fmt not in FORMATS:
            raise InputError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
        if fmt == "jsonl":
            from .jsonio import to_jsonl

            return to_jsonl(self.lines).decode("utf-8").rstrip("\n")
        if fmt == "csv":
            buffer = io.StringIO()
            columns = list(dict.fromkeys(k for line in self.lines for k in line)) or ["outcome"]
            writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for line in self.lines:
                writer.writerow({k: _csv_cell(v) for k, v in line.items()})
            return buffer.getvalue().rstrip("\n")
        return self._table()

    def table(self, *, format: str = "table") -> str:  # noqa: A002 - the API's name for it
        return self.render(format)

    def to_dict(self) -> dict:
        return {"task": self.task, "scheme": self.scheme, "run_id": self.run_id, "lines": self.lines}

    def to_pandas(self):
        """One row per line (needs pandas, which is not a dependency)."""
        try:
            import pandas
        except ImportError:
            raise InputError("to_pandas needs pandas: pip install pandas") from None
        return pandas.DataFrame(self.lines)

    def _table(self) -> str:
        from .exceptions import printable
        from .tables import render

        def text(value) -> str:
            value = " ".join(printable(value or "").split())
            return value if len(value) <= TEXT_CHARS else value[:TEXT_CHARS - 1] + "…"

        if self.task == "links":
            headers = ["outcome", "what", "claim(s)", "claimant", "clusters (gold / predicted)", "text"]
            rows = [[line["outcome"], line["kind"], line["claim"], text(line.get("claimant")),
                     f'{line.get("gold_cluster") or "-"} / {line.get("predicted_cluster") or "-"}',
                     text(line.get("text"))] for line in self.lines]
        else:
            headers = ["outcome", "document", "span", "type", "claimant", "sim.", "text"]
            rows = []
            for line in self.lines:
                span = _span(line, "gold") if line["gold_start"] is not None else _span(line, "pred")
                kinds = [k for k in (line["gold_type"], line["pred_type"]) if k is not None]
                who = [w for w in (line.get("gold_claimant"), line.get("pred_claimant")) if w is not None]
                outcome = line["outcome"] + (f' ({", ".join(line["wrong"])} wrong)' if line["wrong"] else "")
                shown_type = " → ".join(dict.fromkeys(kinds)) if len(set(kinds)) > 1 else (kinds[0] if kinds else "")
                if self.task == "quantities":
                    values = [v for v in (line["gold_value"], line["pred_value"]) if v is not None]
                    shown_type = " → ".join(values)
                rows.append([outcome, line["doc_id"], span, shown_type, text(" / ".join(dict.fromkeys(who))),
                             "" if line["similarity"] is None else f'{line["similarity"]:.2f}',
                             text(line["gold_text"] if line["gold_text"] is not None else line["pred_text"])])
        count = f"{len(self.lines)} line{'s' if len(self.lines) != 1 else ''} · run {self.run_id} · scheme {self.scheme}"
        return "\n".join([render(rows, headers), count])


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(map(str, value))
    return value


def _span(line: dict, side: str) -> str:
    start, end = line[f"{side}_start"], line[f"{side}_end"]
    return "not placed" if start is None or start < 0 else f"[{start}, {end})"


# ------------------------------------------------------------------ claims and quantities

def _record_lines(view, doc_id: str) -> list[dict]:
    """One line per gold record (with its partner) and per unpaired prediction of a document."""
    article = view.article(doc_id)
    quantities = view.task.name == "quantities"
    out = []
    for kind, g, p, similarity in article.rows:
        gold = None if g is None else article.claims[g]
        pred = None if p is None else article.claims[p]
        line = {"outcome": kind, "wrong": list(pred.wrong) if pred is not None and kind == MATCHED else [],
                "doc_id": doc_id}
        for side, claim in (("gold", gold), ("pred", pred)):
            line |= {f"{side}_{'id' if side == 'gold' else 'line'}": None if claim is None else (
                         claim.ident if side == "gold" else int(claim.ident.split()[-1])),
                     f"{side}_start": None if claim is None else claim.start,
                     f"{side}_end": None if claim is None else claim.end}
            if quantities:
                line[f"{side}_value"] = None if claim is None else claim.detail
            else:
                line |= {f"{side}_type": None if claim is None else claim.type,
                         f"{side}_claimant": None if claim is None else claim.claimant,
                         f"{side}_attribution": None if claim is None else claim.attribution}
            line[f"{side}_text"] = None if claim is None else claim.text
        if quantities:
            line["gold_type"] = line["pred_type"] = None
        line["similarity"] = similarity
        out.append(line)
    return sorted(out, key=lambda x: (x["gold_start"] if x["gold_start"] is not None else x["pred_start"],
                                      x["gold_start"] is None))


# ------------------------------------------------------------------ links

def link_lines(view) -> list[dict]:
    """Every gold claim, every spurious predicted claim and every conflicting pair of a links run, with its
    outcome (see the module docstring)."""
    predictions, inputs = view.links()
    corpus = view.corpus
    gold_claims = {ClaimRef(d, c.id): c for d in corpus.doc_ids for c in corpus.gold[d]}
    predicted_claims = {}
    if inputs is not None:
        for doc_id, claims in inputs.claims.items():
            for claim in claims:
                predicted_claims[("spurious", doc_id, claim.id)] = claim
    gold_cluster = {ref: name for name, refs in corpus.links.clusters.items() for ref in refs}
    gold_members = {name: set(refs) for name, refs in corpus.links.clusters.items()}
    pred_cluster = {m: k for k, group in enumerate(predictions.clusters) for m in group}
    present = set(predictions.mentions)

    def partners_gold(ref) -> set:
        name = gold_cluster.get(ref)
        return (gold_members[name] if name is not None else {ref}) - {ref}

    def partners_pred(mention) -> set:
        k = pred_cluster.get(mention)
        return (set(predictions.clusters[k]) if k is not None else {mention}) - {mention}

    def name(mention) -> str:
        return f"{mention.doc_id}/{mention.id}" if isinstance(mention, ClaimRef) else f"{mention[1]}/{mention[2]}"

    def cluster_name(k) -> str | None:
        return None if k is None else f"predicted {k + 1}"

    lines = []
    for ref, claim in gold_claims.items():
        missing, extra = [], []
        if inputs is not None and ref not in present:
            outcome = MISSED
        else:
            lost, gained = partners_gold(ref) - partners_pred(ref), partners_pred(ref) - partners_gold(ref)
            missing, extra = sorted(map(name, lost)), sorted(map(name, gained))
            outcome = MATCHED if not lost and not gained else WRONG_CLUSTER
        lines.append(_link_line("claim", outcome, ref.doc_id, ref.id, claim, gold_cluster.get(ref),
                                cluster_name(pred_cluster.get(ref)), missing, extra))
    for mention in predictions.mentions:
        if isinstance(mention, ClaimRef):
            continue
        claim = predicted_claims.get(mention)
        lines.append(_link_line("claim", SPURIOUS, mention[1], mention[2], claim, None,
                                cluster_name(pred_cluster.get(mention)), [],
                                sorted(map(name, partners_pred(mention)))))
    gold_pairs = corpus.links.conflict_pairs()
    for pair in sorted(gold_pairs | predictions.conflict_pairs, key=lambda p: sorted(map(name, p))):
        outcome = (MATCHED if pair in gold_pairs and pair in predictions.conflict_pairs
                   else MISSED if pair in gold_pairs else SPURIOUS)
        a, b = sorted(pair, key=name)
        texts = [getattr(gold_claims.get(m) or predicted_claims.get(m), "text", None) for m in (a, b)]
        line = _link_line("conflict", outcome, a.doc_id if isinstance(a, ClaimRef) else a[1], None, None, None,
                          None, [], [])
        line |= {"claim": f"{name(a)} × {name(b)}", "text": " × ".join(t or "?" for t in texts)}
        lines.append(line)
    return lines


def _link_line(kind: str, outcome: str, doc_id: str, claim_id, claim, gold_cluster, predicted_cluster,
               missing, extra) -> dict:
    return {"outcome": outcome, "kind": kind, "doc_id": doc_id,
            "claim": None if claim_id is None else f"{doc_id}/{claim_id}",
            "start": getattr(claim, "start", None), "end": getattr(claim, "end", None),
            "type": getattr(claim, "type", None), "claimant": getattr(claim, "claimant", None),
            "gold_cluster": gold_cluster, "predicted_cluster": predicted_cluster, "missing": missing,
            "extra": extra, "text": getattr(claim, "text", None)}


# ------------------------------------------------------------------ choosing

def check_filters(outcomes, types, docs) -> None:
    for what, given in (("--outcome", outcomes), ("--type", types), ("--doc", docs)):
        if given is not None and (isinstance(given, str) or not all(isinstance(g, str) for g in given)):
            raise InputError(f"{what}: expected a list of names")
    for outcome in outcomes or ():
        if outcome not in OUTCOME_FILTERS:
            raise InputError(f'--outcome "{outcome}": expected one of {", ".join(OUTCOME_FILTERS)}')


def _keep(line: dict, outcomes, types) -> bool:
    if outcomes:
        wrong = {f"wrong_{f}" for f in line.get("wrong", ())}
        if line["outcome"] not in outcomes and not wrong & set(outcomes):
            return False
    if types:
        kinds = {line.get("type"), line.get("gold_type"), line.get("pred_type")}
        if not kinds & set(types):
            return False
    return True


def error_list(folder: Path, *, scheme: str | None = None, outcomes=None, types=None, docs=None,
               doc_path: Path | None = None, gold_path: Path | None = None) -> ErrorList:
    """The listing of the run in ``folder`` (its gold and documents read as the report reads them)."""
    from .pages.read import read_view

    check_filters(outcomes, types, docs)
    view = read_view(Path(folder), scheme=scheme, docs=doc_path, gold=gold_path)
    if docs:
        unknown = [d for d in docs if d not in set(view.doc_ids)]
        if unknown:
            raise InputError(f'--doc "{unknown[0]}": no such document in the run')
    wanted = set(docs or ())
    if view.task.per_document:
        lines = [line for doc_id in view.doc_ids if not wanted or doc_id in wanted
                 for line in _record_lines(view, doc_id)]
    else:
        lines = [line for line in link_lines(view) if not wanted or line["doc_id"] in wanted]
    return ErrorList(view.task.name, view.scheme, view.run.run_id,
                     [line for line in lines if _keep(line, outcomes, types)])
