"""The page of a links run: the clusters across the articles side by side, gold against predicted.

One row per gold cluster, one column per article, each cell the cluster's claims there with
their claimants and figures; beside it what the system made of the cluster (kept whole,
split, or merged with other claims). Then the predicted clusters that join claims of no
gold cluster, and the conflicts, gold and predicted, marked found, missed or spurious.
"""

from __future__ import annotations

from ..records import ClaimRef
from ..values import describe
from .layout import Styles, html, short
from .read import RunView
from .single import page, scores_card


def _claim_cells(view: RunView):
    """A function drawing one claim reference: its text, claimant and gold figures, each looked up once."""
    claims = {ClaimRef(d, c.id): c for d, found in view.corpus.gold.items() for c in found}
    figures: dict[ClaimRef, list[str]] = {}
    for doc_id, mentions in (view.corpus.quantities or {}).items():
        for q in mentions:
            if q.claim is not None:
                figures.setdefault(ClaimRef(doc_id, q.claim), []).append(f"{q.text} ({describe(q)})")

    def cell(ref) -> str:
        if not isinstance(ref, ClaimRef):
            return f'<div class="cl spurious">spurious: {html("/".join(map(str, ref)))}</div>'
        claim = claims.get(ref)
        if claim is None:
            return f'<div class="cl">{html(ref.doc_id)}/{html(ref.id)}</div>'
        shown = ", ".join(figures.get(ref, ()))
        return (f'<div class="cl" data-doc="{html(ref.doc_id)}" data-id="{html(ref.id)}">'
                f'<q>{html(short(claim.text, 120))}</q><div class="who">{html(claim.claimant)} '
                f'({html(claim.attribution)})' + (f" · figures: {html(shown)}" if shown else "") + "</div></div>")

    return cell


def _legend(setting: str) -> str:
    """What the tables of a links page say."""
    items = [("kept whole", "every claim of the gold cluster is in one predicted cluster (which may hold more)"),
             ("split over N predicted groups", "the gold cluster's claims are spread over several predicted "
                                                "clusters, or some are left alone"),
             ("not linked", "the system left every claim of the gold cluster alone"),
             ("found · missed · spurious", "a conflicting pair of claims the system gave and the gold has, that only "
                                           "the gold has, that only the system gave")]
    end_to_end = (" End to end, each predicted claim stands for the gold claim whose span it matched; one that "
                  "matched none is shown as spurious." if setting != "gold claims" else "")
    return ('<section class="card"><h2>How to read the links</h2><p class="sub">One row per gold cluster, one column '
            "per article, each cell the cluster's claims there with their claimants and figures; under the cluster's "
            f"name, what the system made of it.{html(end_to_end)} Every claim with its outcome: bench errors RUN."
            '</p><dl class="meta">' + "".join(f"<dt><b>{html(k)}</b></dt><dd>{html(v)}</dd>" for k, v in items)
            + "</dl></section>")


def links_page(view: RunView) -> str:
    results = view.results
    predictions, _ = view.links()
    doc_ids = view.doc_ids
    gold = view.corpus.links
    claim_cell = _claim_cells(view)
    member = {}
    for k, group in enumerate(predictions.clusters):
        for m in group:
            member[m] = k
    rows = []
    for name, refs in gold.clusters.items():
        found = {member.get(r) for r in refs}
        if None not in found and len(found) == 1:
            (k,) = found
            extra = len(predictions.clusters[k]) - len(refs)
            verdict = "kept whole" + (f", with {extra} more claim(s)" if extra else "")
        elif found == {None}:
            verdict = "not linked (every claim alone)"
        else:
            verdict = f"split over {len(found)} predicted groups"
        cells = []
        for doc_id in doc_ids:
            here = [r for r in refs if r.doc_id == doc_id]
            cells.append("<td>" + "".join(claim_cell(r) for r in here) + "</td>")
        rows.append(f'<tr><td><b>{html(name)}</b><div class="who">{html(verdict)}</div></td>{"".join(cells)}</tr>')
    gold_members = {r for refs in gold.clusters.values() for r in refs}
    extra_rows = []
    for k, group in enumerate(predictions.clusters):
        if any(m in gold_members for m in group):
            continue
        cells = ["<td>" + "".join(claim_cell(m) for m in group if getattr(m, "doc_id", None) == doc_id
                                  or (not isinstance(m, ClaimRef) and m[1] == doc_id)) + "</td>" for doc_id in doc_ids]
        extra_rows.append(f'<tr><td><b>predicted {k + 1}</b><div class="who">no gold cluster</div></td>'
                          f'{"".join(cells)}</tr>')
    head = "".join(f"<th>{html(d)}</th>" for d in doc_ids)
    clusters = (f'<section class="card"><h2>Clusters · gold against predicted</h2><div class="scroll">'
                f'<table class="claims links"><thead><tr><th>gold cluster</th>{head}</tr></thead><tbody>'
                f'{"".join(rows)}</tbody></table></div></section>')
    spurious = ""
    if extra_rows:
        spurious = (f'<section class="card"><h2>Predicted clusters without a gold cluster</h2><div class="scroll">'
                    f'<table class="claims links"><thead><tr><th>predicted</th>{head}</tr></thead><tbody>'
                    f'{"".join(extra_rows)}</tbody></table></div></section>')
    gold_pairs = gold.conflict_pairs()
    conflict_rows = []
    for pair in sorted(gold_pairs | predictions.conflict_pairs, key=lambda p: sorted(map(str, p))):
        state = ("found" if pair in gold_pairs and pair in predictions.conflict_pairs
                 else "missed" if pair in gold_pairs else "spurious")
        a, b = sorted(pair, key=str)
        conflict_rows.append(f'<tr class="{state}"><td><b>{state}</b></td><td>{claim_cell(a)}</td>'
                             f"<td>{claim_cell(b)}</td></tr>")
    conflicts = (f'<section class="card"><h2>Conflicting claim pairs</h2><table class="claims"><thead><tr>'
                 f'<th>conflict</th><th>one side</th><th>the other</th></tr></thead><tbody>{"".join(conflict_rows)}'
                 "</tbody></table></section>")
    subtitle = html(f"{results['run_id']} · task links ({predictions.setting}) · scheme {view.scheme} · "
                    f"{len(doc_ids)} articles")
    body = [scores_card(view), _legend(predictions.setting), clusters, spurious, conflicts]
    return page(f"ClaimBench links: {results['model']}", subtitle, body, Styles())

