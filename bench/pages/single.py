"""The page of one run: summary, scores and chart, a table of every document, and the chosen articles.

Every document is in the summary table; the articles shown in full are the ones asked for
(``--doc``) or the ``--worst`` N with the lowest F1 (ties by doc_id), so the page stays small
for a corpus of any size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from ..version import __version__
from ..records import CLAIM_TYPES
from ..exceptions import InputError
from ..matching import BOUNDARY, MATCHED, MISSED, OUTCOMES, SPURIOUS, WRONG_TYPE
from ..tables import SIGNIFICANCE_LEVEL, fmt_interval, fmt_p, fmt_score
from .assets import (
    GENERATOR_TAG, GOLD_LINES, METRIC_COLOURS, OUTCOME_GLYPHS, OUTCOME_HELP, OUTCOME_LABELS, PRED_ALPHA, SCRIPT, base_css,
    type_colour,
)
from .layout import GOLD, MISSING, PRED, Styles, attr, chip, claim_attrs, describe_outcome, html, outcome_badge, \
    run_layer, short, text_html, who
from .read import Article, RunView


# ------------------------------------------------------------------ articles

def partners(article: Article) -> dict[str, object]:
    found = {}
    for _, g, p, _ in article.rows:
        if g is not None and p is not None:
            gold, pred = article.claims[g], article.claims[p]
            found[gold.ref], found[pred.ref] = pred, gold
    return found


def outcome_counts(articles: Iterable[Article]) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for article in articles:
        for kind, *_ in article.rows:
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def article_html(article: Article, styles: Styles, anchor: str, records: str = "claims") -> str:
    found = partners(article)
    layers = [run_layer(claim, found.get(claim.ref)) for claim in article.claims if claim.placed]
    counts = outcome_counts([article])
    chips = "".join(f'<span class="count">{OUTCOME_GLYPHS[o]} {OUTCOME_LABELS[o]} {counts[o]}</span>'
                    for o in OUTCOMES if counts[o] or o != WRONG_TYPE or records == "claims")
    flagged = Counter(w for claim in article.claims for w in claim.wrong)
    chips += "".join(f'<span class="count flag">{html(w)} wrong on a match {n}</span>' for w, n in flagged.items())
    n_gold = sum(c.side == GOLD for c in article.claims)
    n_pred = len(article.claims) - n_gold
    return "".join([
        f'<section class="card article" id="{attr(anchor)}" data-doc="{attr(article.doc_id)}">',
        f'<h2>{html(title_of(article.text))}<span class="id">{html(article.doc_id)}</span></h2>',
        f'<div class="counts"><span class="count">{n_gold} gold</span><span class="count">{n_pred} predicted</span>'
        f'{chips}<label class="only"><input type="checkbox" data-errors-only> errors only</label></div>',
        f'<div class="text">{text_html(article.text, layers, styles, describe_outcome)}</div>',
        claims_table(article),
        "</section>",
    ])


def title_of(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return short(first, 110) or "(empty document)"


def claim_cell(claim) -> str:
    if claim is None:
        return '<td class="none">–</td>'
    where = f"[{claim.start}, {claim.end})" if claim.placed else "not placed in the text"
    detail = f'<div class="who"><b>{html(claim.detail)}</b></div>' if claim.detail else ""
    person = who(claim)
    return (f'<td><div class="cl" {claim_attrs(claim)}>{chip(claim.type)} <span class="where">{where}</span> '
            f'<q>{html(short(claim.text, 140))}</q>{detail}'
            + (f'<div class="who">{html(person)}</div>' if person else "") + "</div></td>")


def claims_table(article: Article) -> str:
    if not article.rows:
        return '<p class="note">No gold records and no predictions in this document.</p>'
    claims = article.claims
    order = sorted(article.rows, key=lambda r: min(claims[i].start for i in r[1:3] if i is not None))
    rows = []
    for kind, g, p, similarity in order:
        refs = " ".join(claims[i].ref for i in (g, p) if i is not None)
        side = GOLD if g is not None else PRED
        claim_type = claims[g if g is not None else p].type
        wrong = claims[p].wrong if p is not None and kind == MATCHED else ()
        css = "ok" if kind == MATCHED and not wrong else "flagged" if wrong else "err"
        flags = "".join(f'<span class="flag">{html(w)} wrong</span>' for w in wrong)
        rows.append(
            f'<tr class="{css}" data-ref="{attr(refs)}" data-outcome="{attr(kind)}"><td class="o">'
            f'{outcome_badge(kind, side, claim_type)} {html(OUTCOME_LABELS.get(kind, kind))}{flags}</td>'
            f'{claim_cell(None if g is None else claims[g])}'
            f'{claim_cell(None if p is None else claims[p])}'
            f'<td class="num">{"–" if similarity is None else f"{similarity:.2f}"}</td></tr>'
        )
    return ('<table class="claims"><thead><tr><th>outcome</th><th>gold · claimant</th>'
            '<th>prediction · claimant</th><th class="num">similarity</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


# ------------------------------------------------------------------ scores

def scores_table(view: RunView, *, base=None, compact: bool = False, tests: dict | None = None) -> str:
    """The task's rows (P, R, F1 or rate, interval); ``base`` adds the delta against another run's entry, and
    ``tests`` (row name -> p-value, with ``"n"`` the resamples) the paired test's p."""
    entry = view.entry
    head = ["row", "P", "R", view.task.value_name, *([] if compact else ["95% CI"]), *(["Δ"] if base else []),
            *(["p"] if tests is not None else [])]
    base_rows = {r.name: r for r in view.task.rows(base)} if base else {}
    out = []
    for row in view.task.rows(entry):
        value = f"<b>{fmt_score(row.value, MISSING)}</b>"
        if compact:
            value += f'<div class="ci">{fmt_interval(row.ci, MISSING)}</div>'
        label = chip(row.name) if row.name in CLAIM_TYPES else html(row.label)
        cells = [label, row.shown_pr(row.precision), row.shown_pr(row.recall), value,
                 *([] if compact else [fmt_interval(row.ci, MISSING)])]
        if base:
            other = base_rows.get(row.name)
            cells.append(delta(row.value, None if other is None else other.value))
        if tests is not None:
            p = tests.get(row.name)
            cells.append(f'<span class="{"sig" if p is not None and p < SIGNIFICANCE_LEVEL else ""}">'
                         f'{fmt_p(p, tests["n"])}</span>')
        css = "" if row.name in CLAIM_TYPES else ' class="agg"'
        out.append(f"<tr{css}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return ('<table class="scores"><thead><tr>' + "".join(f"<th>{html(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join(out) + "</tbody></table>")


def delta(value, base) -> str:
    if value is None or base is None:
        return "–"
    diff = value - base
    css = "pos" if diff > 0 else "neg" if diff < 0 else ""
    return f'<span class="{css}">{diff:+.3f}</span>'


def chart(view: RunView) -> str:
    """Grouped bars of P, R and the headline value per row, with its interval as a whisker."""
    rows = view.task.chart_rows(view.entry)
    metrics = ("precision", "recall", "value")
    bar, gap, left, top, height = 14, 22, 34, 10, 160
    group = bar * len(metrics) + gap
    width = left + group * len(rows) + 8
    y = lambda v: top + height * (1 - max(0.0, min(1.0, v)))  # noqa: E731
    longest = max((len(row.name) for row in rows), default=0)
    tilted = longest > 9  # labels wider than a group are drawn at a slant, so they never overlap
    labels = round(longest * 6.4 * 0.6) + 16 if tilted else 16  # room the labels need below the axis
    total = top + height + 30 + labels
    out = [f'<svg class="chart" width="{width}" height="{total}" viewBox="0 0 {width} '
           f'{total}" role="img" aria-label="scores per row">']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        out.append(f'<line x1="{left}" x2="{width - 4}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                   f'stroke="{"#c9ced8" if tick == 0 else "#eceef2"}"/>'
                   f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
    for k, row in enumerate(rows):
        x0 = left + gap / 2 + k * group
        for m, metric in enumerate(metrics):
            value = getattr(row, metric)
            if value is None:
                continue
            x = x0 + m * bar
            colour = METRIC_COLOURS["f1" if metric == "value" else metric]
            out.append(f'<rect x="{x:.1f}" y="{y(value):.1f}" width="{bar - 2}" height="{y(0) - y(value):.1f}" '
                       f'fill="{colour}" rx="1.5"><title>{html(row.name)} {metric} {value:.3f}</title></rect>')
        if row.ci:
            x = x0 + 2 * bar + (bar - 2) / 2
            out.append(f'<path d="M{x:.1f} {y(row.ci[0]):.1f}V{y(row.ci[1]):.1f}M{x - 3:.1f} '
                       f'{y(row.ci[0]):.1f}h6M{x - 3:.1f} {y(row.ci[1]):.1f}h6" stroke="#d1495b" '
                       f'stroke-width="1.3" fill="none"/>')
        colour = type_colour(row.name) if row.name in CLAIM_TYPES else "#1d2330"
        centre = x0 + bar * 1.5 - 1
        label = (f'<text x="{centre:.1f}" y="{top + height + 24}" text-anchor="end" '
                 f'transform="rotate(-35 {centre:.1f} {top + height + 24})">' if tilted else
                 f'<text x="{centre:.1f}" y="{top + height + 24}" text-anchor="middle">')
        out.append(f'<rect x="{x0:.1f}" y="{top + height + 8}" width="{bar * 3 - 2}" height="3" fill="{colour}"/>'
                   f'{label}{html(row.name)}</text>')
    legend_y = total - 8
    for m, metric in enumerate(("precision", "recall", view.task.value_name)):
        x = left + m * 78
        colour = METRIC_COLOURS["f1" if m == 2 else metric]
        out.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{x + 14}" y="{legend_y}">{html(metric)}</text>')
    out.append(f'<path d="M{left + 3 * 78 + 5} {legend_y - 10}v11" stroke="#d1495b" stroke-width="1.3"/>'
               f'<text x="{left + 3 * 78 + 12}" y="{legend_y}">95% CI</text></svg>')
    return "".join(out)


def plain(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    from ..jsonio import to_json

    return to_json(value).decode("utf-8")


def definitions(items: list[tuple[str, str]]) -> str:
    return '<dl class="meta">' + "".join(f"<dt>{html(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def meta(view: RunView) -> str:
    results, scheme = view.results, view.scheme
    gold, settings = results["gold"], results["evaluation"]
    core = [
        ("model", html(results["model"])),
        ("task", html(results["task"])),
        ("run id", f'<span class="mono">{html(results["run_id"])}</span>'),
        ("created", html(results["created"])),
        ("scheme", html(scheme) + f" · threshold {settings['threshold']:g}"),
        ("gold", html(f"version {gold['version']} · sha256 {gold['sha256'][:12]} · {gold['documents']} documents · "
                      f"{gold_counts(results)}")),
        ("signature", f"<code>{html(results['signatures'].get(scheme, results['signature']))}</code>"),
    ]
    if results.get("warnings"):
        core.append(("warnings", "<br>".join(html(w) for w in results["warnings"])))
    more = [(str(key).replace("_", " "), html(plain(value))) for key, value in
            {**results["inputs"], **results["system"]}.items() if value not in (None, {}, [])]
    more.append(("documents", html(gold["docs_path"])))
    for name in ("timing", "versions", "usage", "coverage"):
        if results.get(name):
            more.append((name, html(plain(results[name]))))
    return (definitions(core) + "<details><summary>configuration, timing and versions</summary>"
            + definitions(more) + "</details>")


def gold_counts(results: dict) -> str:
    """What the gold of a run's task holds, in its own terms."""
    gold = results["gold"]
    if results["task"] == "quantities":
        return f"{gold.get('quantities') or 0} quantity mentions (in {gold['claims']} claims)"
    if results["task"] == "links":
        return (f"{gold['claims']} claims, {gold.get('clusters') or 0} clusters, "
                f"{gold.get('conflicts') or 0} conflicts")
    return f"{gold['claims']} claims"


def scores_card(view: RunView, *, label: str = "", base=None, compact: bool = False, tests: dict | None = None,
                note: str = "") -> str:
    return "".join([
        f'<section class="card"><h2>{html(label)}{html(view.results["model"])}</h2>',
        meta(view),
        f'<h3>Scores · {html(view.scheme)}</h3><div class="scoreline"><div class="scroll">',
        scores_table(view, base=base, compact=compact, tests=tests),
        f'<p class="note">{html(note)}</p>' if note else "",
        "</div>",
        chart(view),
        "</div></section>",
    ])


# ------------------------------------------------------------------ legend, documents, page

def legend(styles: Styles, heading: str = "How to read the articles", quantities: bool = False) -> str:
    """What the marks over the text mean: for claims, by type and outcome; for the quantity task, whose
    mentions have no type (so no wrong type), by outcome only."""
    sample_type, other_type = (CLAIM_TYPES[0], CLAIM_TYPES[-1]) if not quantities else ("figure", "figure")
    thing = "figure" if quantities else "claim"
    items = []
    for outcome in OUTCOMES:
        if quantities and outcome == WRONG_TYPE:
            continue
        under, fill = (), ()
        if outcome != SPURIOUS:
            under = ((0, type_colour(sample_type), GOLD_LINES[outcome]),)
        if outcome != MISSED:
            pred_type = other_type if outcome == WRONG_TYPE else sample_type
            fill = ((0, type_colour(pred_type), PRED_ALPHA, outcome == SPURIOUS),)
        name = styles.name(under, 1, fill, 1)
        tail = f'<span class="s {styles.name(under, 1, (), 1)}"> text</span>' if outcome == BOUNDARY else ""
        badges = ""
        if outcome != SPURIOUS:
            badges += outcome_badge(outcome, GOLD, sample_type)
        if outcome != MISSED:
            badges += outcome_badge(outcome, PRED, other_type if outcome == WRONG_TYPE else sample_type)
        sample = f'<span class="s {name}">{badges}{thing}{"" if tail else " text"}</span>{tail}'
        help_text = OUTCOME_HELP[outcome].replace("claim", thing)
        items.append(f'<div class="item" title="{attr(help_text)}"><span class="sample">{sample}</span>'
                     f'<span><b>{OUTCOME_LABELS[outcome]}</b><br><span class="help">{html(help_text)}'
                     "</span></span></div>")
    if quantities:
        colours = ("Figures have no type: every mention is drawn in grey. A matched mention whose value differs "
                   "from the gold is flagged <b>value wrong</b> in the table under the text.")
    else:
        colours = (f"Colours are types: {''.join(chip(t) for t in CLAIM_TYPES)}. A match that names another "
                   "claimant or attribution form than the gold is flagged in the table under the text.")
    return "".join([
        f'<section class="card"><h2>{html(heading)}</h2>',
        f'<p class="sub">Gold {thing}s are <b>underlined</b> (line style = outcome), predictions are '
        f'<b>filled</b>. {colours} Overlapping {thing}s stack: gold lines below the text, prediction fills in '
        f'bands. A badge starts each {thing} (square = gold, round = prediction); hover a badge or the text for '
        f'the details. Each article\'s table can show its errors only.</p>',
        f'<div class="legend">{"".join(items)}</div>',
        '<div class="toolbar"><label><input type="checkbox" checked data-toggle="no-mk"> badges</label>'
        '<label><input type="checkbox" checked data-toggle="no-gold"> gold underlines</label>'
        '<label><input type="checkbox" checked data-toggle="no-pred"> prediction fills</label></div>',
        "</section>",
    ])


def chosen_documents(view: RunView, counts: list[dict], show: Sequence[str] | None, worst: int) -> list[str]:
    """The articles shown in full: those asked for (in that order), else the ``worst`` lowest-F1 ones,
    worst first (ties by doc_id; a document whose F1 is undefined counts as perfect)."""
    doc_ids = view.doc_ids
    if show:
        unknown = [d for d in show if d not in set(doc_ids)]
        if unknown:
            raise InputError(f'--doc "{unknown[0]}": no such document in the run')
        return list(dict.fromkeys(show))
    ranked = sorted(range(len(doc_ids)), key=lambda k: (1.0 if counts[k]["f1"] is None else counts[k]["f1"],
                                                        doc_ids[k]))
    return [doc_ids[k] for k in ranked[:worst]]


def documents_table(view: RunView, counts: list[dict], shown: set[str]) -> str:
    """Every document with its counts, sortable by any column and filterable in the page (by the script)."""
    kinds = [o for o in OUTCOMES if o != WRONG_TYPE or view.task.name != "quantities"]  # figures have no type
    head = "".join(f'<th><button type="button" data-sort="{4 + j}" data-num>{OUTCOME_GLYPHS[o]} {OUTCOME_LABELS[o]}'
                   "</button></th>" for j, o in enumerate(kinds))
    rows = []
    totals = dict.fromkeys([*OUTCOMES, "gold", "predicted"], 0)
    errors = [o for o in OUTCOMES if o != MATCHED]
    for k, (doc_id, row) in enumerate(zip(view.doc_ids, counts)):
        for key in totals:
            totals[key] += row[key]
        name = f'<a href="#doc-{k}">{html(doc_id)}</a>' if doc_id in shown else html(doc_id)
        f1 = "" if row["f1"] is None else f"{row['f1']:.6f}"
        wrong = "1" if any(row[o] for o in errors) else "0"
        rows.append(f'<tr data-err="{wrong}"{" data-shown" if doc_id in shown else ""}><td>{name}</td>'
                    f"<td>{row['gold']}</td><td>{row['predicted']}</td><td data-v=\"{f1}\">"
                    f"{fmt_score(row['f1'], MISSING)}</td>" + "".join(f"<td>{row[o]}</td>" for o in kinds)
                    + "</tr>")
    foot = (f'<tfoot><tr class="agg"><td><b>all</b></td><td>{totals["gold"]}</td><td>{totals["predicted"]}</td>'
            "<td></td>" + "".join(f"<td>{totals[o]}</td>" for o in kinds) + "</tr></tfoot>")
    note = (f"{len(shown)} of {len(counts)} articles are shown in full below (linked); "
            "choose others with --doc ID, or more with --worst N. Click a column to sort by it.")
    tools = ('<div class="toolbar docs-tools"><input type="search" data-filter placeholder="filter by document id" '
             'aria-label="filter by document id"><label><input type="checkbox" data-errors> with errors only</label>'
             '<label><input type="checkbox" data-shown-only> shown in full only</label>'
             '<button type="button" data-worst>worst first</button><span class="note" data-count></span></div>')
    return (f'<section class="card" id="documents"><h2>Documents · scheme {html(view.scheme)}</h2>'
            f'<p class="sub">{html(note)}</p>{tools}'
            '<div class="scroll tall"><table class="docs sortable"><thead><tr>'
            '<th><button type="button" data-sort="0">document</button></th>'
            '<th><button type="button" data-sort="1" data-num>gold</button></th>'
            '<th><button type="button" data-sort="2" data-num>predicted</button></th>'
            f'<th><button type="button" data-sort="3" data-num>{html(view.task.value_name)}</button></th>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody>{foot}</table></div></section>")


def confusion(view: RunView, shown: dict[str, str], limit: int = 30) -> str:
    """Gold type x predicted type over the pairs whose spans match under the scheme (matched or wrong type),
    every count linking to its cases (the first ``limit`` of each, with their articles when shown)."""
    import numpy as np

    kinds = view.arrays("gold_kind")
    partner = view.arrays("gold_pred").astype(np.int64)
    same_span = np.flatnonzero(np.isin(kinds, [OUTCOMES.index(MATCHED), OUTCOMES.index(WRONG_TYPE)]))
    gold = [(k, c) for k, d in enumerate(view.doc_ids) for c in view.corpus.gold.get(d, ())]
    records = view.predictions.records
    types = list(CLAIM_TYPES)
    cases: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for g in same_span.tolist():
        p = int(partner[g])
        key = (gold[g][1].type, records[p].type)
        cases.setdefault(key, []).append((g, p))
    for t in {t for key in cases for t in key}:
        if t not in types:
            types.append(t)
    texts = {d: view.corpus.documents[d].text for d in view.doc_ids}
    head = "".join(f"<th>{chip(t)}</th>" for t in types)
    rows, details = [], []
    for a in types:
        cells = []
        for b in types:
            found = cases.get((a, b), [])
            css = "diag" if a == b else "off" if found else ""
            cells.append(f'<td class="{css}"><a href="#cf-{attr(a)}-{attr(b)}">{len(found)}</a></td>' if found
                         else f'<td class="{css}">0</td>')
            if not found:
                continue
            items = []
            for g, p in found[:limit]:
                k, claim = gold[g]
                doc_id = view.doc_ids[k]
                pred = records[p]
                pred_text = pred.text if pred.start is None or pred.start < 0 else texts[doc_id][pred.start:pred.end]
                where = (f'<a href="#{attr(shown[doc_id])}">{html(doc_id)}</a>' if doc_id in shown
                         else html(doc_id))
                items.append(f"<li>{where} [{claim.start}, {claim.end}) <q>{html(short(claim.text or '', 90))}</q>"
                             + ("" if pred_text == claim.text else f" · predicted <q>{html(short(pred_text or '', 90))}"
                                                                  "</q>") + f" (line {int(view.predictions.lines[p])})</li>")
            more = (f'<li class="note">and {len(found) - limit} more: bench errors RUN --outcome '
                    f'{"matched" if a == b else "wrong_type"} --type {html(a)}</li>' if len(found) > limit else "")
            details.append(f'<details id="cf-{attr(a)}-{attr(b)}"><summary>gold {chip(a)} predicted {chip(b)}: '
                           f"{len(found)}</summary><ul class=\"cases\">{''.join(items)}{more}</ul></details>")
        rows.append(f"<tr><th>{chip(a)}</th>{''.join(cells)}</tr>")
    return ('<section class="card" id="confusion"><h2>Type confusion</h2><p class="sub">Gold type (rows) by predicted '
            f"type (columns) over the pairs whose spans match under scheme {html(view.scheme)}: the diagonal is the "
            "matches, the rest the wrong types. Each count opens its cases below.</p>"
            f'<table class="confusion"><thead><tr><th>gold \\ predicted</th>{head}</tr></thead><tbody>'
            f"{''.join(rows)}</tbody></table>{''.join(details)}</section>")


def page(title: str, subtitle: str, body: Sequence[str], styles: Styles) -> str:
    return "".join([
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f'{GENERATOR_TAG}{__version__}">',
        f"<title>{html(title)}</title><style>{base_css()}\n{styles.css()}</style></head><body><main>",
        f'<h1>{html(title)}</h1><p class="sub">{subtitle}</p>',
        *body,
        f"<footer>ClaimBench {__version__} · bench report</footer></main><script>{SCRIPT}</script></body></html>\n",
    ])


def single_page(view: RunView, *, show: Sequence[str] | None = None, worst: int = 20) -> str:
    styles = Styles()
    counts = view.document_counts()
    chosen = chosen_documents(view, counts, show, worst)
    quantities = view.task.name == "quantities"
    key = legend(styles, quantities=quantities)
    anchors = {doc_id: f"doc-{view.index(doc_id)}" for doc_id in chosen}
    articles = [article_html(view.article(doc_id), styles, anchors[doc_id], "figures" if quantities else "claims")
                for doc_id in chosen]
    results = view.results
    order = "as asked for" if show else "worst first"
    subtitle = html(f"{results['run_id']} · task {results['task']} · scheme {view.scheme} · "
                    f"{len(view.doc_ids)} documents · {len(chosen)} shown in full, {order}")
    body = [scores_card(view), documents_table(view, counts, set(chosen)),
            *([] if quantities else [confusion(view, anchors)]), key, *articles]
    return page(f"ClaimBench report: {results['model']}", subtitle, body, styles)
