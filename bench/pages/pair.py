"""The page of two runs on the same gold, contrasted record by record: what one matched and the other did not."""

from __future__ import annotations

import warnings
from collections import defaultdict
from dataclasses import dataclass

from ..records import CLAIM_TYPES
from ..exceptions import BenchWarning, InputError
from ..matching import MATCHED
from .assets import A_ONLY, B_ONLY, BOTH, NEITHER, OUTCOME_GLYPHS, OUTCOME_LABELS, STATUS_FILLS, STATUS_LABELS, \
    STATUSES, type_colour
from .layout import ClaimView, Layer, Styles, attr, chip, claim_title, html, short, text_html, who
from .read import Article, RunView
from .single import article_html, chosen_documents, claim_cell, legend, page, scores_card, title_of


def _gold_key(claim: ClaimView) -> tuple:
    return claim.start, claim.end, claim.type, claim.claimant, claim.attribution, claim.detail


def _status(a_matched: bool, b_matched: bool) -> str:
    return {(True, False): A_ONLY, (False, True): B_ONLY, (True, True): BOTH}.get((a_matched, b_matched), NEITHER)


@dataclass(frozen=True, slots=True)
class GoldPair:
    """One gold record with what each run made of it."""

    gold: ClaimView
    status: str
    a: tuple[str, ClaimView | None]
    b: tuple[str, ClaimView | None]


def contrast(article_a: Article, article_b: Article) -> list[GoldPair]:
    """Every gold record of one document with its outcome (and paired prediction) in each run."""

    def by_gold(article: Article) -> dict[tuple, list[tuple[str, ClaimView | None]]]:
        found: dict[tuple, list] = defaultdict(list)
        for kind, g, p, _ in article.rows:
            if g is not None:
                found[_gold_key(article.claims[g])].append((kind, None if p is None else article.claims[p]))
        return found

    in_b = by_gold(article_b)
    pairs = []
    for kind, g, p, _ in article_a.rows:
        if g is None:
            continue
        gold = article_a.claims[g]
        others = in_b.get(_gold_key(gold))
        if not others:
            raise InputError(f"gold record [{gold.start}, {gold.end}) of {gold.doc_id} is missing from run B")
        other = others.pop(0)
        a = (kind, None if p is None else article_a.claims[p])
        pairs.append(GoldPair(gold, _status(kind == MATCHED, other[0] == MATCHED), a, other))
    return sorted(pairs, key=lambda pair: (pair.gold.start, -pair.gold.end))


def _layers(pair: GoldPair) -> list[Layer]:
    """A gold record underlined in its type's colour and filled by which run matched it."""
    gold = pair.gold
    badge = ""
    if pair.status in (A_ONLY, B_ONLY):
        letter = "A" if pair.status == A_ONLY else "B"
        title = f"only run {letter} matched this gold record\n" + claim_title(gold, None)
        attrs = (f'data-claim="gold" data-doc="{attr(gold.doc_id)}" data-start="{gold.start}" data-end="{gold.end}" '
                 f'data-type="{attr(gold.type)}" data-compare="{pair.status}" data-outcome-a="{attr(pair.a[0])}" '
                 f'data-outcome-b="{attr(pair.b[0])}" data-ref="{attr(gold.ref)}"')
        badge = f'<span class="mk cmp run-{letter}" {attrs} title="{attr(title)}">{letter}</span>'
    layers = [Layer(gold, False, (type_colour(gold.type), "solid"), badge)]
    if pair.status in STATUS_FILLS:
        colour, alpha = STATUS_FILLS[pair.status]
        layers.append(Layer(gold, True, (colour, alpha, False)))
    return layers


def _outcome_cell(entry: tuple[str, ClaimView | None]) -> str:
    kind, pred = entry
    label = f"{OUTCOME_GLYPHS.get(kind, '?')} {OUTCOME_LABELS.get(kind, kind)}"
    if pred is None:
        return f"<td><b>{html(label)}</b></td>"
    similarity = "" if pred.similarity is None else f" · similarity {pred.similarity:.2f}"
    return (f"<td><b>{html(label)}</b>{html(similarity)}<div class=\"cl\">{chip(pred.type)} "
            f'<span class="where">[{pred.start}, {pred.end})</span> <q>{html(short(pred.text, 100))}</q>'
            f'<div class="who">{html(pred.detail or who(pred))}</div></div></td>')


def _article(number: int, article: Article, pairs: list[GoldPair], a: RunView, b: RunView, styles: Styles) -> str:
    status = {pair.gold.ref: pair for pair in pairs}

    def describe(claim: ClaimView) -> str:
        pair = status[claim.ref]
        return (f"gold {claim.type} · {STATUS_LABELS[pair.status]} (A {OUTCOME_LABELS.get(pair.a[0], pair.a[0])}, "
                f"B {OUTCOME_LABELS.get(pair.b[0], pair.b[0])}) · {who(claim) or claim.detail}")

    text = text_html(article.text, [layer for pair in pairs for layer in _layers(pair)], styles, describe)
    counts = {s: sum(p.status == s for p in pairs) for s in STATUSES}
    chips = "".join(f'<span class="count">{STATUS_LABELS[s]} {counts[s]}</span>' for s in STATUSES)
    rows = []
    for pair in pairs:
        if pair.status not in (A_ONLY, B_ONLY):
            continue
        letter = "A" if pair.status == A_ONLY else "B"
        rows.append(f'<tr data-ref="{attr(pair.gold.ref)}"><td class="o"><span class="mk cmp run-{letter}">{letter}'
                    f"</span> {STATUS_LABELS[pair.status]}</td>{claim_cell(pair.gold)}"
                    f"{_outcome_cell(pair.a)}{_outcome_cell(pair.b)}</tr>")
    table = ('<table class="claims"><thead><tr><th>matched by</th><th>gold · claimant</th>'
             '<th>run A</th><th>run B</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
             if rows else '<p class="note">Both runs match the same gold records in this document.</p>')
    views = "".join(
        f"<details><summary>run {letter}: {html(view.results['model'])}, every claim</summary>"
        f"{article_html(view.article(article.doc_id), styles, f'doc-{number}-{letter}')}</details>"
        for letter, view in (("A", a), ("B", b))
    )
    return "".join([
        f'<section class="card article" id="doc-{number}" data-doc="{attr(article.doc_id)}">',
        f'<h2>{html(title_of(article.text))}<span class="id">{html(article.doc_id)}</span></h2>',
        f'<div class="counts">{chips}</div><div class="text contrast">{text}</div>',
        table, views, "</section>",
    ])


def _summary(summary) -> str:
    rows, totals, n_total = [], dict.fromkeys(STATUSES, 0), 0
    for number, doc_id, n_gold, counts in summary:
        rows.append(f'<tr><td><a href="#doc-{number}">{html(doc_id)}</a></td><td>{n_gold}</td>'
                    + "".join(f"<td>{counts[s]}</td>" for s in STATUSES) + "</tr>")
        n_total += n_gold
        for s in STATUSES:
            totals[s] += counts[s]
    rows.append(f'<tr class="agg"><td><b>shown</b></td><td>{n_total}</td>'
                + "".join(f"<td>{totals[s]}</td>" for s in STATUSES) + "</tr>")
    head = "".join(f"<th>{STATUS_LABELS[s]}</th>" for s in STATUSES)
    return ('<section class="card"><h2>Gold records matched by each run</h2><table class="docs"><thead><tr>'
            f"<th>document</th><th>gold</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>")


def _legend(styles: Styles) -> str:
    sample = type_colour(CLAIM_TYPES[0])
    items = []
    for status in STATUSES:
        fill = ()
        if status in STATUS_FILLS:
            colour, alpha = STATUS_FILLS[status]
            fill = ((0, colour, alpha, False),)
        name = styles.name(((0, sample, "solid"),), 1, fill, 1)
        badge = ""
        if status in (A_ONLY, B_ONLY):
            letter = "A" if status == A_ONLY else "B"
            badge = f'<span class="mk cmp run-{letter}">{letter}</span>'
        items.append(f'<div class="item"><span class="sample"><span class="s {name}">{badge}gold claim</span></span>'
                     f"<b>{STATUS_LABELS[status]}</b></div>")
    return ('<section class="card"><h2>Contrast</h2><p class="sub">Each article shows the gold records, underlined '
            "in their type's colour and filled by which run matched them. The table under the text lists the records "
            "one run matched and the other did not, with what the other run predicted there; open a run's view for "
            f'all its claims.</p><div class="legend">{"".join(items)}</div></section>')


def _tests(a: RunView, b: RunView, n: int = 1000, seed: int = 0) -> tuple[dict | None, str]:
    """B against A row by row: the paired bootstrap p-values ``bench compare`` prints, and how they were had."""
    from ..comparison import compare_runs

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BenchWarning)  # what compare would warn of, the page says itself
            found = compare_runs([a.run, b.run], scheme=a.scheme, n=n, seed=seed, labels=["A", "B"])
    except InputError as exc:
        return None, f"no paired test: {exc.message}"
    tests = {row["name"]: row["runs"][1]["p_value"] for row in found.rows} | {"n": n}
    if found.untested:
        return tests, "no paired test: " + "; ".join(found.untested)
    return tests, (f"Δ and p: B against A, paired bootstrap over the runs' stored unit counts ({n} resamples, "
                   f"seed {seed}), as bench compare; bold p < 0.05")


def pair_page(a: RunView, b: RunView, *, show=None, worst: int = 20) -> str:
    styles = Styles()
    warnings = []
    sig_a = a.results["signatures"].get(a.scheme, a.results["signature"])
    sig_b = b.results["signatures"].get(a.scheme, b.results["signature"])
    if sig_a.split("|model:")[0] != sig_b.split("|model:")[0]:
        warnings.append('<div class="warn"><b>The runs\' evaluation settings differ, so their scores are not '
                        f"directly comparable.</b><br>A: <code>{html(sig_a)}</code><br>B: <code>{html(sig_b)}</code>"
                        "</div>")
    if b.results["evaluation"].get("scheme") != a.scheme:
        warnings.append(f'<div class="warn">Run B\'s headline scheme is {html(b.results["evaluation"].get("scheme"))}; '
                        f"both runs are shown under run A's, {html(a.scheme)}.</div>")
    tests, note = _tests(a, b)
    cards = (f'<div class="grid">{scores_card(a, label="A · ", compact=True)}'
             f'{scores_card(b, label="B · ", base=a.entry, compact=True, tests=tests, note=note)}</div>')
    index = {doc_id: k for k, doc_id in enumerate(a.doc_ids)}
    chosen = chosen_documents(a, a.document_counts(), show, worst)
    articles, summary = [], []
    for doc_id in chosen:
        article = a.article(doc_id)
        pairs = contrast(article, b.article(doc_id))
        number = index[doc_id]
        summary.append((number, doc_id, len(pairs), {s: sum(p.status == s for p in pairs) for s in STATUSES}))
        articles.append(_article(number, article, pairs, a, b, styles))
    body = [*warnings, cards, _summary(summary), _legend(styles), legend(styles, "How to read each run's own view"),
            *articles]
    title = f"ClaimBench: {a.results['model']} (A) vs {b.results['model']} (B)"
    subtitle = html(f"A {a.results['run_id']} · B {b.results['run_id']} · scheme {a.scheme} · "
                    f"{len(a.doc_ids)} documents")
    return page(title, subtitle, body, styles)
