"""``bench report``: one self-contained HTML page showing a run's claims in the articles.

Each article's text is cut at every claim boundary into segments (one sweep over sorted
boundaries), and each segment lists the claims covering it. Gold claims are underlines,
stacked in lanes below the text, styled by outcome; predictions are fills in the type's
colour, split into bands where they overlap. A badge at the start of every claim names
its outcome, and a table under the text lists every claim with its claimant. Two runs on
the same gold are contrasted claim by claim: which gold claims one run matched and the
other did not.

Every claim element carries ``data-claim``, ``data-doc``, ``data-start``, ``data-end``,
``data-type`` and ``data-outcome`` (contrasted: ``data-compare``, ``data-outcome-a`` and
``data-outcome-b``) so the page can be checked against ``errors.jsonl``.
"""

from __future__ import annotations

import heapq
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from . import __version__
from .claims import CLAIM_TYPES, Corpus, Document
from .corpus import iter_jsonl, load_documents, resolve_recorded
from .errors import InputError
from .fingerprint import documents_sha256
from .matching import BOUNDARY, MATCHED, MISSED, OUTCOMES, SPURIOUS, WRONG_TYPE
from .report_assets import (
    A_ONLY, B_ONLY, BOTH, GOLD_LINES, LINE_PX, MAX_LANES, METRIC_COLOURS, NEITHER, OUTCOME_GLYPHS,
    OUTCOME_HELP, OUTCOME_LABELS, PRED_ALPHA, SCRIPT, SLOT_PX, STATUS_FILLS, STATUS_LABELS, STATUSES,
    base_css, fill_image, type_class, type_colour, underline_image,
)
from .runs import ALIGNMENT_FILE, ERRORS_FILE, PREDICTIONS_FILE, RESULTS_FILE, UNITS_FILE, load_results, slug
from .tables import attribution_line, fmt_interval, fmt_score

REPORT_FILE = "report.html"
GOLD, PRED = "gold", "pred"
# Lines of a segment's hover text; the claim table below the article has them all.
TITLE_LINES = 6
MISSING = "–"


# ------------------------------------------------------------------ loading

@dataclass(frozen=True, slots=True)
class ClaimView:
    """One gold claim or prediction as the page shows it."""

    ref: str
    side: str
    doc_id: str
    start: int
    end: int
    type: str
    outcome: str
    text: str
    claimant: str | None = None
    attribution: str | None = None
    similarity: float | None = None

    @property
    def placed(self) -> bool:
        """False for a free-text prediction that alignment could not place in the text."""
        return self.start >= 0


@dataclass(slots=True)
class Article:
    doc_id: str
    text: str
    claims: list[ClaimView] = field(default_factory=list)
    # (outcome, gold index, pred index, similarity), indices into ``claims``
    rows: list[tuple[str, int | None, int | None, float | None]] = field(default_factory=list)


@dataclass(slots=True)
class Run:
    path: Path
    results: dict
    scheme: str
    articles: dict[str, Article]


def load_run(run: Path, *, scheme: str | None = None, docs: Path | None = None, prefix: str = "") -> Run:
    """A run folder with its error breakdown for ``scheme`` (default: its headline) and its texts."""
    run = Path(run)
    results = load_results(run)
    for key in ("gold", "config", "model"):
        if key not in results:
            raise InputError(f'not a ClaimBench results file: missing field "{key}"', path=run / RESULTS_FILE)
    scheme = scheme or results["config"].get("scheme")
    if scheme not in results["scores"]:
        raise InputError(f'run {results["run_id"]} has no scores for scheme "{scheme}"', path=run / RESULTS_FILE)
    documents = _documents(results, run, docs)
    articles = _articles(run / ERRORS_FILE, scheme, documents, prefix)
    return Run(path=run, results=results, scheme=scheme, articles=articles)


def _documents(results: dict, run: Path, docs: Path | None) -> dict[str, Document]:
    gold = results["gold"]
    where = Path(docs) if docs is not None else resolve_recorded(gold.get("docs_path", ""))
    if not where.exists():
        raise InputError(f"the documents this run was scored on are not at {where} any more; "
                         f"pass the folder or .jsonl they moved to", path=run / RESULTS_FILE)
    documents = load_documents(where)
    if documents_sha256(Corpus(documents=documents, gold={})) != gold.get("docs_sha256"):
        raise InputError(f"the documents at {where} differ from the ones this run was scored on "
                         f"(docs sha256 {gold.get('docs_sha256', '?')[:12]})", path=run / RESULTS_FILE)
    return documents


def _articles(path: Path, scheme: str, documents: dict[str, Document], prefix: str) -> dict[str, Article]:
    articles = {doc_id: Article(doc_id, doc.text) for doc_id, doc in sorted(documents.items())}
    numbers = {doc_id: number for number, doc_id in enumerate(articles)}
    seen = False
    for number, row in iter_jsonl(path):
        if not isinstance(row, dict) or not isinstance(row.get("outcomes"), list):
            raise InputError('expected an object with "doc_id", "scheme" and "outcomes"', path=path, line=number)
        if row.get("scheme") != scheme:
            continue
        seen = True
        doc_id = row.get("doc_id")
        if doc_id not in articles:
            raise InputError(f'unknown document "{doc_id}"', path=path, line=number)
        for outcome in row["outcomes"]:
            _add_outcome(articles[doc_id], outcome, f"{prefix}d{numbers[doc_id]}", path, number)
    if not seen:
        raise InputError(f'no error breakdown for scheme "{scheme}"', path=path)
    return articles


def _add_outcome(article: Article, outcome: object, ref_base: str, path: Path, line: int) -> None:
    if not isinstance(outcome, dict) or outcome.get("kind") not in OUTCOMES:
        raise InputError(f"outcome without a known kind (expected one of {', '.join(OUTCOMES)})", path=path, line=line)
    kind, similarity = outcome["kind"], outcome.get("similarity")
    indices = []
    for side in (GOLD, PRED):
        record = outcome.get(side)
        if record is None:
            indices.append(None)
            continue
        claim = _claim_view(record, side, kind, similarity, article, f"{ref_base}{side[0]}{len(article.claims)}",
                            path, line)
        indices.append(len(article.claims))
        article.claims.append(claim)
    if indices == [None, None]:
        raise InputError(f'a "{kind}" outcome with neither gold nor prediction', path=path, line=line)
    article.rows.append((kind, indices[0], indices[1], similarity))


def _claim_view(record: object, side: str, kind: str, similarity, article: Article, ref: str,
                path: Path, line: int) -> ClaimView:
    if not isinstance(record, dict):
        raise InputError(f"{side} claim: expected an object", path=path, line=line)
    start, end, claim_type = record.get("start"), record.get("end"), record.get("type")
    unplaced = side == PRED and start == end == -1 and isinstance(record.get("text"), str)
    if not unplaced and not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(article.text)):
        raise InputError(f"{side} claim [{start}, {end}) is not a span of {article.doc_id}", path=path, line=line)
    if not isinstance(claim_type, str):
        raise InputError(f'{side} claim: missing or non-string field "type"', path=path, line=line)
    return ClaimView(
        ref=ref, side=side, doc_id=article.doc_id, start=start, end=end, type=claim_type, outcome=kind,
        text=record["text"] if unplaced else article.text[start:end],
        claimant=record.get("claimant"), attribution=record.get("attribution"),
        similarity=similarity if isinstance(similarity, (int, float)) else None,
    )


# ------------------------------------------------------------------ geometry

def segments(length: int, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int, tuple[int, ...]]]:
    """Cut ``[0, length)`` at every span boundary: (start, end, indices of the spans covering it).

    One sweep over the sorted boundaries, so at most ``2 * len(spans) + 1`` segments.
    """
    starts: dict[int, list[int]] = defaultdict(list)
    ends: dict[int, list[int]] = defaultdict(list)
    for index, (start, end) in enumerate(spans):
        starts[start].append(index)
        ends[end].append(index)
    points = sorted({0, length, *starts, *ends})
    active: set[int] = set()
    out = []
    for a, b in zip(points, points[1:]):
        active.difference_update(ends.get(a, ()))
        active.update(starts.get(a, ()))
        out.append((a, b, tuple(sorted(active))))
    return out


def lanes(spans: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """A lane per span so overlapping spans never share one, and the lane count of its overlap cluster.

    Greedy interval partitioning (outer spans first): nested spans stack below their parent.
    """
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0], -spans[i][1]))
    lane = [0] * len(spans)
    width = [1] * len(spans)
    active: list[tuple[int, int]] = []
    free: list[int] = []
    cluster: list[int] = []
    cluster_end, used = -1, 0
    for i in order:
        start, end = spans[i]
        if start >= cluster_end:
            for j in cluster:
                width[j] = used
            cluster, active, free, used = [], [], [], 0
        while active and active[0][0] <= start:
            heapq.heappush(free, heapq.heappop(active)[1])
        lane[i] = heapq.heappop(free) if free else used
        used = max(used, lane[i] + 1)
        heapq.heappush(active, (end, lane[i]))
        cluster.append(i)
        cluster_end = max(cluster_end, end)
    for j in cluster:
        width[j] = used
    return lane, width


class Styles:
    """CSS classes for segment looks, made on first use: (underlines, fills) -> class name."""

    def __init__(self) -> None:
        self._classes: dict[tuple, str] = {}

    def name(self, under: tuple, under_lanes: int, fill: tuple, fill_lanes: int) -> str:
        """``under``: (lane, colour, line pattern); ``fill``: (lane, colour, alpha, hatched)."""
        key = (under, min(under_lanes, MAX_LANES), fill, min(fill_lanes, MAX_LANES))
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = f"k{len(self._classes)}"
        return found

    def css(self) -> str:
        rules = []
        for (under, under_lanes, fill, fill_lanes), name in self._classes.items():
            lines = _underline_layers(under, under_lanes)
            fills = _fill_layers(fill, fill_lanes)
            padding = f"padding-bottom:{under_lanes * SLOT_PX + 1}px;" if under else ""
            rules.append(f".{name}{{{padding}background:{','.join(lines + fills) or 'none'}}}")
            rules.append(f"body.no-gold .{name}{{padding-bottom:0;background:{','.join(fills) or 'none'}}}")
            rules.append(f"body.no-pred .{name}{{background:{','.join(lines) or 'none'}}}")
        return "\n".join(rules)


def _underline_layers(under: tuple, count: int) -> list[str]:
    layers = []
    for lane, colour, pattern in under:
        bottom = (count - 1 - lane) * SLOT_PX + 1
        height = LINE_PX + 0.6 if pattern == "double" else LINE_PX
        layers.append(f"{underline_image(colour, pattern)} left 0 bottom {bottom}px/100% {height:g}px "
                      f"no-repeat padding-box")
    return layers


def _fill_layers(fill: tuple, count: int) -> list[str]:
    layers = []
    for lane, colour, alpha, hatched in fill:
        band = 100 / count
        top = 0 if count == 1 else lane * 100 / (count - 1)
        layers.append(f"{fill_image(colour, alpha, hatched)} 0 {top:.4g}%/100% {band:.4g}% no-repeat content-box")
    return layers


# ------------------------------------------------------------------ small pieces

def _a(value: object) -> str:
    return escape(str(value), quote=True)


def _who(claim: ClaimView) -> str:
    if claim.claimant is None and claim.attribution is None:
        return "no claimant"
    who = claim.claimant if claim.claimant is not None else "?"
    return f"{who} ({claim.attribution})" if claim.attribution else str(who)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _claim_attrs(claim: ClaimView, extra: str = "") -> str:
    return (f'data-claim="{claim.side}" data-doc="{_a(claim.doc_id)}" data-start="{claim.start}" '
            f'data-end="{claim.end}" data-type="{_a(claim.type)}" data-outcome="{_a(claim.outcome)}" '
            f'data-ref="{claim.ref}"{extra}')


def _claim_title(claim: ClaimView, partner: ClaimView | None) -> str:
    head = f"{claim.side} · {claim.type} · {OUTCOME_LABELS.get(claim.outcome, claim.outcome)}"
    if claim.similarity is not None:
        head += f" (similarity {claim.similarity:.2f})"
    lines = [head, f"claimant: {_who(claim)}", f"[{claim.start}, {claim.end}) “{_short(claim.text, 160)}”"]
    if partner is not None:
        lines.append(f"paired {partner.side}: {partner.type} [{partner.start}, {partner.end}) {_who(partner)}")
    return "\n".join(lines)


def _chip(claim_type: str) -> str:
    return f'<span class="chip {type_class(claim_type)}">{escape(claim_type)}</span>'


def _outcome_badge(outcome: str, side: str, claim_type: str) -> str:
    return (f'<span class="mk {side[0]} o-{outcome} {type_class(claim_type)}">'
            f'{OUTCOME_GLYPHS.get(outcome, "?")}</span>')


# ------------------------------------------------------------------ one article's text

@dataclass(frozen=True, slots=True)
class Layer:
    """One claim drawn over the text: an underline (colour, pattern) or a fill (colour, alpha, hatched)."""

    claim: ClaimView
    fill: bool
    look: tuple
    badge: str = ""


def _text_html(text: str, layers: Sequence[Layer], styles: Styles, describe) -> str:
    """The text cut into segments, each styled by the layers covering it and listing their claims.

    ``describe(claim)`` is one line of a segment's hover text.
    """
    spans = [(layer.claim.start, layer.claim.end) for layer in layers]
    lane, width = [0] * len(layers), [1] * len(layers)
    for fill in (False, True):
        group = [i for i, layer in enumerate(layers) if layer.fill is fill]
        group_lanes, group_width = lanes([spans[i] for i in group])
        for k, i in enumerate(group):
            lane[i], width[i] = group_lanes[k], group_width[k]
    starting: dict[int, list[int]] = defaultdict(list)
    for i in sorted(range(len(layers)), key=lambda i: (layers[i].claim.side != GOLD, lane[i])):
        if layers[i].badge:
            starting[spans[i][0]].append(i)
    parts = []
    for a, b, covering in segments(len(text), spans):
        piece = escape(text[a:b], quote=False)
        if not covering:
            parts.append(piece)
            continue
        under, fill, under_lanes, fill_lanes = [], [], 0, 0
        claims: dict[str, ClaimView] = {}
        for i in covering:
            layer = layers[i]
            claims.setdefault(layer.claim.ref, layer.claim)
            if layer.fill:
                fill_lanes = width[i]
                if lane[i] < MAX_LANES:
                    fill.append((lane[i], *layer.look))
            else:
                under_lanes = width[i]
                if lane[i] < MAX_LANES:
                    under.append((lane[i], *layer.look))
        name = styles.name(tuple(sorted(under)), under_lanes, tuple(sorted(fill)), fill_lanes)
        attrs = ""
        for side, key in ((GOLD, "g"), (PRED, "p")):
            refs = [ref for ref, claim in claims.items() if claim.side == side]
            if refs:
                attrs += f' data-{key}="{" ".join(refs)}"'
        title = _lines([describe(claim) for claim in claims.values()])
        badges = "".join(layers[i].badge for i in starting.get(a, ()))
        parts.append(f'<span class="s {name}"{attrs} title="{_a(title)}">{badges}{piece}</span>')
    return "".join(parts)


def _lines(lines: list[str]) -> str:
    if len(lines) > TITLE_LINES:
        lines = lines[:TITLE_LINES] + [f"… and {len(lines) - TITLE_LINES} more"]
    return "\n".join(lines)


def _describe_outcome(claim: ClaimView) -> str:
    similarity = "" if claim.similarity is None else f" {claim.similarity:.2f}"
    outcome = OUTCOME_LABELS.get(claim.outcome, claim.outcome)
    return f"{claim.side} {claim.type} · {outcome}{similarity} · {_who(claim)}"


def _run_layer(claim: ClaimView, partner: ClaimView | None) -> Layer:
    colour = type_colour(claim.type)
    if claim.side == GOLD:
        look = (colour, GOLD_LINES.get(claim.outcome, "solid"))
    else:
        look = (colour, PRED_ALPHA, claim.outcome == SPURIOUS)
    badge = (f'<span class="mk {claim.side[0]} o-{_a(claim.outcome)} {type_class(claim.type)}" '
             f'{_claim_attrs(claim)} title="{_a(_claim_title(claim, partner))}">'
             f'{OUTCOME_GLYPHS.get(claim.outcome, "?")}</span>')
    return Layer(claim, claim.side == PRED, look, badge)


def _partners(article: Article) -> dict[str, ClaimView]:
    found = {}
    for _, g, p, _ in article.rows:
        if g is not None and p is not None:
            gold, pred = article.claims[g], article.claims[p]
            found[gold.ref], found[pred.ref] = pred, gold
    return found


def _run_article_html(article: Article, styles: Styles, anchor: str) -> str:
    partners = _partners(article)
    layers = [_run_layer(claim, partners.get(claim.ref)) for claim in article.claims if claim.placed]
    counts = _outcome_counts([article])
    chips = "".join(f'<span class="count">{OUTCOME_GLYPHS[o]} {OUTCOME_LABELS[o]} {counts[o]}</span>'
                    for o in OUTCOMES)
    n_gold = sum(c.side == GOLD for c in article.claims)
    n_pred = len(article.claims) - n_gold
    return "".join([
        f'<section class="card article" id="{_a(anchor)}" data-doc="{_a(article.doc_id)}">',
        f'<h2>{escape(_title_of(article.text))}<span class="id">{escape(article.doc_id)}</span></h2>',
        f'<div class="counts"><span class="count">{n_gold} gold</span><span class="count">{n_pred} predicted</span>'
        f'{chips}</div>',
        f'<div class="text">{_text_html(article.text, layers, styles, _describe_outcome)}</div>',
        _claims_table(article),
        "</section>",
    ])


def _title_of(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return _short(first, 110) or "(empty document)"


def _claim_cell(claim: ClaimView | None) -> str:
    if claim is None:
        return '<td class="none">–</td>'
    return (f'<td><div class="cl" {_claim_attrs(claim)}>{_chip(claim.type)} '
            f'<span class="where">{f"[{claim.start}, {claim.end})" if claim.placed else "not placed in the text"}</span> '
            f'<q>{escape(_short(claim.text, 140))}</q>'
            f'<div class="who">{escape(_who(claim))}</div></div></td>')


def _claims_table(article: Article) -> str:
    if not article.rows:
        return '<p class="note">No gold claims and no predictions in this document.</p>'
    claims = article.claims
    order = sorted(article.rows, key=lambda r: min(claims[i].start for i in r[1:3] if i is not None))
    rows = []
    for kind, g, p, similarity in order:
        refs = " ".join(claims[i].ref for i in (g, p) if i is not None)
        side = GOLD if g is not None else PRED
        claim_type = claims[g if g is not None else p].type
        rows.append(
            f'<tr data-ref="{refs}"><td class="o">{_outcome_badge(kind, side, claim_type)} '
            f'{OUTCOME_LABELS.get(kind, _a(kind))}</td>{_claim_cell(None if g is None else claims[g])}'
            f'{_claim_cell(None if p is None else claims[p])}'
            f'<td class="num">{"–" if similarity is None else f"{similarity:.2f}"}</td></tr>'
        )
    return ('<table class="claims"><thead><tr><th>outcome</th><th>gold claim · claimant</th>'
            '<th>prediction · claimant</th><th class="num">similarity</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


def _outcome_counts(articles: Iterable[Article]) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for article in articles:
        for kind, *_ in article.rows:
            counts[kind] = counts.get(kind, 0) + 1
    return counts


# ------------------------------------------------------------------ scores

def _scores_table(entry: dict, *, base: dict | None = None, compact: bool = False) -> str:
    """Per-type P/R/F1 with the F1 interval, support and counts; ``base`` adds ΔF1 against it.

    ``compact`` prints the interval under F1 instead of in a column of its own, for half-width cards.
    """
    ci = entry.get("ci", {})
    head = ["type", "P", "R", "F1", *([] if compact else ["F1 95% CI"]), "support", "tp", "fp", "fn",
            *(["ΔF1"] if base else [])]
    rows = []
    for name in [*entry["per_type"], "micro", "macro"]:
        if name in entry["per_type"]:
            cell, interval, css = entry["per_type"][name], ci.get("per_type", {}).get(name, {}).get("f1"), ""
            label = _chip(name)
        else:
            cell, interval, css = entry[name], ci.get(name, {}).get("f1"), ' class="agg"'
            label = name
        f1 = f"<b>{fmt_score(cell.get('f1'), MISSING)}</b>"
        if compact:
            f1 += f'<div class="ci">{fmt_interval(interval, MISSING)}</div>'
        cells = [label, fmt_score(cell.get("precision"), MISSING), fmt_score(cell.get("recall"), MISSING), f1,
                 *([] if compact else [fmt_interval(interval, MISSING)]),
                 *(str(cell.get(k, "")) for k in ("support", "tp", "fp", "fn"))]
        if base:
            other = base["per_type"].get(name) if name in base["per_type"] else base.get(name)
            cells.append(_delta(cell.get("f1"), (other or {}).get("f1")))
        rows.append(f"<tr{css}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return ('<table class="scores"><thead><tr>' + "".join(f"<th>{escape(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _delta(value, base) -> str:
    if value is None or base is None:
        return "–"
    delta = value - base
    css = "pos" if delta > 0 else "neg" if delta < 0 else ""
    return f'<span class="{css}">{delta:+.3f}</span>'


def _chart(entry: dict) -> str:
    """Grouped bars of P, R and F1 per type and micro, with the F1 interval as a whisker."""
    names = list(entry["per_type"]) + ["micro"]
    ci = entry.get("ci", {})
    metrics = ("precision", "recall", "f1")
    bar, gap, left, top, height = 16, 24, 34, 10, 160
    group = bar * len(metrics) + gap
    width = left + group * len(names) + 8
    y = lambda v: top + height * (1 - max(0.0, min(1.0, v)))  # noqa: E731
    out = [f'<svg class="chart" width="{width}" height="{top + height + 58}" viewBox="0 0 {width} '
           f'{top + height + 58}" role="img" aria-label="precision, recall and F1 per type">']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        out.append(f'<line x1="{left}" x2="{width - 4}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                   f'stroke="{"#c9ced8" if tick == 0 else "#eceef2"}"/>'
                   f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
    for k, name in enumerate(names):
        cell = entry["per_type"].get(name) or entry.get(name) or {}
        x0 = left + gap / 2 + k * group
        for m, metric in enumerate(metrics):
            value = cell.get(metric) or 0.0
            x = x0 + m * bar
            out.append(f'<rect x="{x:.1f}" y="{y(value):.1f}" width="{bar - 2}" height="{y(0) - y(value):.1f}" '
                       f'fill="{METRIC_COLOURS[metric]}" rx="1.5"><title>{escape(name)} {metric} '
                       f'{value:.3f}</title></rect>')
        interval = (ci.get("per_type", {}).get(name) or ci.get(name) or {}).get("f1")
        if interval:
            x = x0 + 2 * bar + (bar - 2) / 2
            out.append(f'<path d="M{x:.1f} {y(interval[0]):.1f}V{y(interval[1]):.1f}M{x - 3:.1f} '
                       f'{y(interval[0]):.1f}h6M{x - 3:.1f} {y(interval[1]):.1f}h6" stroke="#d1495b" '
                       f'stroke-width="1.3" fill="none"/>')
        colour = type_colour(name) if name in entry["per_type"] else "#1d2330"
        out.append(f'<rect x="{x0:.1f}" y="{top + height + 8}" width="{bar * 3 - 2}" height="3" fill="{colour}"/>'
                   f'<text x="{x0 + bar * 1.5 - 1:.1f}" y="{top + height + 24}" text-anchor="middle">'
                   f'{escape(name)}</text>')
    legend_y = top + height + 46
    for m, metric in enumerate(metrics):
        x = left + m * 78
        out.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{METRIC_COLOURS[metric]}"/>'
                   f'<text x="{x + 14}" y="{legend_y}">{"F1" if metric == "f1" else metric}</text>')
    out.append(f'<path d="M{left + 3 * 78 + 5} {legend_y - 10}v11" stroke="#d1495b" stroke-width="1.3"/>'
               f'<text x="{left + 3 * 78 + 12}" y="{legend_y}">F1 95% CI</text></svg>')
    return "".join(out)


def _meta(results: dict, scheme: str) -> str:
    gold, config = results.get("gold", {}), results.get("config", {})
    threshold = config.get("threshold")
    core = [
        ("model", escape(str(results.get("model", "?")))),
        ("run id", f'<span class="mono">{escape(str(results.get("run_id", "?")))}</span>'),
        ("created", escape(str(results.get("created", "?")))),
        ("scheme", escape(scheme) + (f" · threshold {threshold:g}" if scheme != "strict"
                                     and isinstance(threshold, (int, float)) else "")),
        ("gold", escape(f"version {gold.get('version', '?')} · sha256 {str(gold.get('sha256', '?'))[:12]} · "
                        f"{gold.get('documents', '?')} documents · {gold.get('claims', '?')} claims")),
        ("signature", f"<code>{escape(str(_signature(results, scheme)))}</code>"),
    ]
    more = [(key.replace("_", " "), escape(_plain(value))) for key, value in config.items()
            if key not in ("scheme", "threshold")]
    more.append(("documents", escape(str(gold.get("docs_path", "?")))))
    if results.get("timing"):
        more.append(("timing", escape(", ".join(f"{k} {v}" for k, v in results["timing"].items()))))
    if results.get("versions"):
        more.append(("versions", escape(", ".join(f"{k} {v}" for k, v in results["versions"].items()))))
    return (_definitions(core) + "<details><summary>configuration, timing and versions</summary>"
            + _definitions(more) + "</details>")


def _signature(results: dict, scheme: str) -> str:
    return results.get("signatures", {}).get(scheme, results["signature"])


def _plain(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False)


def _definitions(items: list[tuple[str, str]]) -> str:
    return '<dl class="meta">' + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def _scores_card(run: Run, *, label: str = "", base: dict | None = None, compact: bool = False) -> str:
    entry = run.results["scores"][run.scheme]
    attribution = attribution_line(entry)
    heading = f"{label}{escape(str(run.results['model']))}"
    return "".join([
        f'<section class="card"><h2>{heading}</h2>',
        _meta(run.results, run.scheme),
        f'<h3>Scores · {escape(run.scheme)}</h3><div class="scoreline"><div class="scroll">',
        _scores_table(entry, base=base, compact=compact),
        f'<p class="note">{escape(attribution)}</p>' if attribution else "",
        "</div>",
        _chart(entry),
        "</div></section>",
    ])


# ------------------------------------------------------------------ legend and page

def _legend(styles: Styles, heading: str = "How to read the articles") -> str:
    sample_type = CLAIM_TYPES[0]
    other_type = CLAIM_TYPES[-1]
    items = []
    for outcome in OUTCOMES:
        under, fill = (), ()
        if outcome != SPURIOUS:
            under = ((0, type_colour(sample_type), GOLD_LINES[outcome]),)
        if outcome != MISSED:
            pred_type = other_type if outcome == WRONG_TYPE else sample_type
            fill = ((0, type_colour(pred_type), PRED_ALPHA, outcome == SPURIOUS),)
        name = styles.name(under, 1, fill, 1)
        tail = ""
        if outcome == BOUNDARY:
            tail = f'<span class="s {styles.name(under, 1, (), 1)}"> text</span>'
        badges = ""
        if outcome != SPURIOUS:
            badges += _outcome_badge(outcome, GOLD, sample_type)
        if outcome != MISSED:
            badges += _outcome_badge(outcome, PRED, other_type if outcome == WRONG_TYPE else sample_type)
        sample = f'<span class="s {name}">{badges}claim{"" if tail else " text"}</span>{tail}'
        items.append(f'<div class="item" title="{_a(OUTCOME_HELP[outcome])}"><span class="sample">{sample}</span>'
                     f'<span><b>{OUTCOME_LABELS[outcome]}</b><br><span class="help">{escape(OUTCOME_HELP[outcome])}'
                     "</span></span></div>")
    types = "".join(_chip(t) for t in CLAIM_TYPES)
    return "".join([
        f'<section class="card"><h2>{escape(heading)}</h2>',
        f'<p class="sub">Gold claims are <b>underlined</b> (line style = outcome), predictions are '
        f'<b>filled</b>, both in the colour of their type: {types}. Overlapping claims stack: gold lines below '
        f'the text, prediction fills in bands. A badge starts each claim (square = gold, round = prediction); '
        f'hover a badge or the text for type, claimant, attribution and similarity.</p>',
        f'<div class="legend">{"".join(items)}</div>',
        '<div class="toolbar"><label><input type="checkbox" checked data-toggle="no-mk"> badges</label>'
        '<label><input type="checkbox" checked data-toggle="no-gold"> gold underlines</label>'
        '<label><input type="checkbox" checked data-toggle="no-pred"> prediction fills</label></div>',
        "</section>",
    ])


def _documents_table(run: Run) -> str:
    head = "".join(f"<th>{OUTCOME_GLYPHS[o]} {OUTCOME_LABELS[o]}</th>" for o in OUTCOMES)
    rows = []
    for number, article in enumerate(run.articles.values()):
        counts = _outcome_counts([article])
        n_gold = sum(c.side == GOLD for c in article.claims)
        rows.append(f'<tr><td><a href="#doc-{number}">{escape(article.doc_id)}</a></td><td>{n_gold}</td>'
                    f"<td>{len(article.claims) - n_gold}</td>" + "".join(f"<td>{counts[o]}</td>" for o in OUTCOMES)
                    + "</tr>")
    total = _outcome_counts(run.articles.values())
    n_gold = sum(c.side == GOLD for a in run.articles.values() for c in a.claims)
    n_all = sum(len(a.claims) for a in run.articles.values())
    rows.append(f'<tr class="agg"><td><b>all</b></td><td>{n_gold}</td><td>{n_all - n_gold}</td>'
                + "".join(f"<td>{total[o]}</td>" for o in OUTCOMES) + "</tr>")
    return (f'<section class="card"><h2>Documents · scheme {escape(run.scheme)}</h2><table class="docs"><thead><tr>'
            f"<th>document</th><th>gold</th><th>predicted</th>{head}</tr></thead><tbody>{''.join(rows)}"
            "</tbody></table></section>")


def _page(title: str, subtitle: str, body: Sequence[str], styles: Styles) -> str:
    return "".join([
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f'<meta name="generator" content="ClaimBench {__version__}">',
        f"<title>{escape(title)}</title><style>{base_css()}\n{styles.css()}</style></head><body><main>",
        f'<h1>{escape(title)}</h1><p class="sub">{subtitle}</p>',
        *body,
        f"<footer>ClaimBench {__version__} · bench report</footer></main><script>{SCRIPT}</script></body></html>\n",
    ])


def _single_page(run: Run) -> str:
    styles = Styles()
    legend = _legend(styles)
    articles = [_run_article_html(article, styles, f"doc-{number}")
                for number, article in enumerate(run.articles.values())]
    results = run.results
    subtitle = escape(f"{results['run_id']} · scheme {run.scheme} · {len(run.articles)} documents")
    body = [_scores_card(run), _documents_table(run), legend, *articles]
    return _page(f"ClaimBench report: {results['model']}", subtitle, body, styles)


# ------------------------------------------------------------------ two runs

def _gold_key(claim: ClaimView) -> tuple:
    return claim.start, claim.end, claim.type, claim.claimant, claim.attribution


def _status(a_matched: bool, b_matched: bool) -> str:
    return {(True, False): A_ONLY, (False, True): B_ONLY, (True, True): BOTH}.get((a_matched, b_matched), NEITHER)


@dataclass(frozen=True, slots=True)
class GoldPair:
    """One gold claim with what each run made of it."""

    gold: ClaimView
    status: str
    a: tuple[str, ClaimView | None]
    b: tuple[str, ClaimView | None]


def _contrast(article_a: Article, article_b: Article) -> list[GoldPair]:
    """Every gold claim of one document with its outcome (and paired prediction) in each run."""

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
            raise InputError(f"gold claim [{gold.start}, {gold.end}) of {gold.doc_id} is missing from run B's "
                             "error breakdown")
        other = others.pop(0)
        a = (kind, None if p is None else article_a.claims[p])
        pairs.append(GoldPair(gold, _status(kind == MATCHED, other[0] == MATCHED), a, other))
    return sorted(pairs, key=lambda pair: (pair.gold.start, -pair.gold.end))


def _contrast_layers(pair: GoldPair) -> list[Layer]:
    """A gold claim underlined in its type's colour and filled by which run matched it."""
    gold = pair.gold
    badge = ""
    if pair.status in (A_ONLY, B_ONLY):
        letter = "A" if pair.status == A_ONLY else "B"
        title = f"only run {letter} matched this gold claim\n" + _claim_title(gold, None)
        attrs = (f'data-claim="gold" data-doc="{_a(gold.doc_id)}" data-start="{gold.start}" data-end="{gold.end}" '
                 f'data-type="{_a(gold.type)}" data-compare="{pair.status}" data-outcome-a="{_a(pair.a[0])}" '
                 f'data-outcome-b="{_a(pair.b[0])}" data-ref="{gold.ref}"')
        badge = f'<span class="mk cmp run-{letter}" {attrs} title="{_a(title)}">{letter}</span>'
    layers = [Layer(gold, False, (type_colour(gold.type), "solid"), badge)]
    if pair.status in STATUS_FILLS:
        colour, alpha = STATUS_FILLS[pair.status]
        layers.append(Layer(gold, True, (colour, alpha, False)))
    return layers


def _contrast_article_html(number: int, article: Article, pairs: list[GoldPair], run_a: Run, run_b: Run,
                           styles: Styles) -> str:
    status = {pair.gold.ref: pair for pair in pairs}

    def describe(claim: ClaimView) -> str:
        pair = status[claim.ref]
        return (f"gold {claim.type} · {STATUS_LABELS[pair.status]} (A {OUTCOME_LABELS.get(pair.a[0], pair.a[0])}, "
                f"B {OUTCOME_LABELS.get(pair.b[0], pair.b[0])}) · {_who(claim)}")

    layers = [layer for pair in pairs for layer in _contrast_layers(pair)]
    text = _text_html(article.text, layers, styles, describe)
    counts = {s: sum(p.status == s for p in pairs) for s in STATUSES}
    chips = "".join(f'<span class="count">{STATUS_LABELS[s]} {counts[s]}</span>' for s in STATUSES)
    rows = []
    for pair in pairs:
        if pair.status not in (A_ONLY, B_ONLY):
            continue
        letter = "A" if pair.status == A_ONLY else "B"
        rows.append(f'<tr data-ref="{pair.gold.ref}"><td class="o"><span class="mk cmp run-{letter}">{letter}</span>'
                    f" {STATUS_LABELS[pair.status]}</td>{_claim_cell(pair.gold)}"
                    f"{_run_outcome_cell(pair.a)}{_run_outcome_cell(pair.b)}</tr>")
    table = ('<table class="claims"><thead><tr><th>matched by</th><th>gold claim · claimant</th>'
             '<th>run A</th><th>run B</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
             if rows else '<p class="note">Both runs match the same gold claims in this document.</p>')
    views = "".join(
        f"<details><summary>run {letter}: {escape(str(run.results['model']))}, every claim</summary>"
        f"{_run_article_html(run.articles[article.doc_id], styles, f'doc-{number}-{letter}')}</details>"
        for letter, run in (("A", run_a), ("B", run_b))
    )
    return "".join([
        f'<section class="card article" id="doc-{number}" data-doc="{_a(article.doc_id)}">',
        f'<h2>{escape(_title_of(article.text))}<span class="id">{escape(article.doc_id)}</span></h2>',
        f'<div class="counts">{chips}</div><div class="text contrast">{text}</div>',
        table, views, "</section>",
    ])


def _run_outcome_cell(entry: tuple[str, ClaimView | None]) -> str:
    kind, pred = entry
    label = f"{OUTCOME_GLYPHS.get(kind, '?')} {OUTCOME_LABELS.get(kind, kind)}"
    if pred is None:
        return f"<td><b>{escape(label)}</b></td>"
    similarity = "" if pred.similarity is None else f" · similarity {pred.similarity:.2f}"
    return (f"<td><b>{escape(label)}</b>{escape(similarity)}<div class=\"cl\">{_chip(pred.type)} "
            f'<span class="where">[{pred.start}, {pred.end})</span> <q>{escape(_short(pred.text, 100))}</q>'
            f'<div class="who">{escape(_who(pred))}</div></div></td>')


def _compare_page(run_a: Run, run_b: Run) -> str:
    a, b = run_a.results, run_b.results
    styles = Styles()
    warnings = []
    sig_a, sig_b = _signature(a, run_a.scheme), _signature(b, run_b.scheme)
    if sig_a != sig_b:
        warnings.append('<div class="warn"><b>The runs\' signatures differ, so their scores are not directly '
                        f"comparable.</b><br>A: <code>{escape(sig_a)}</code><br>B: <code>{escape(sig_b)}</code></div>")
    if b["config"].get("scheme") != run_a.scheme:
        warnings.append(f'<div class="warn">Run B\'s headline scheme is {escape(str(b["config"].get("scheme")))}; '
                        f"both runs are shown under run A's, {escape(run_a.scheme)}.</div>")
    cards = (f'<div class="grid">{_scores_card(run_a, label="A · ", compact=True)}'
             f'{_scores_card(run_b, label="B · ", base=a["scores"][run_a.scheme], compact=True)}</div>')
    legend = _compare_legend(styles)
    run_legend = _legend(styles, "How to read each run's own view of an article")
    articles, summary = [], []
    for number, (doc_id, article) in enumerate(run_a.articles.items()):
        pairs = _contrast(article, run_b.articles[doc_id])
        summary.append((number, doc_id, len(pairs), {s: sum(p.status == s for p in pairs) for s in STATUSES}))
        articles.append(_contrast_article_html(number, article, pairs, run_a, run_b, styles))
    body = [*warnings, cards, _contrast_table(summary), legend, run_legend, *articles]
    title = f"ClaimBench: {a['model']} (A) vs {b['model']} (B)"
    subtitle = escape(f"A {a['run_id']} · B {b['run_id']} · scheme {run_a.scheme} · {len(run_a.articles)} documents")
    return _page(title, subtitle, body, styles)


def _contrast_table(summary) -> str:
    rows = []
    totals = dict.fromkeys(STATUSES, 0)
    n_total = 0
    for number, doc_id, n_gold, counts in summary:
        rows.append(f'<tr><td><a href="#doc-{number}">{escape(doc_id)}</a></td><td>{n_gold}</td>'
                    + "".join(f"<td>{counts[s]}</td>" for s in STATUSES) + "</tr>")
        n_total += n_gold
        for s in STATUSES:
            totals[s] += counts[s]
    rows.append(f'<tr class="agg"><td><b>all</b></td><td>{n_total}</td>'
                + "".join(f"<td>{totals[s]}</td>" for s in STATUSES) + "</tr>")
    head = "".join(f"<th>{STATUS_LABELS[s]}</th>" for s in STATUSES)
    return ('<section class="card"><h2>Gold claims matched by each run</h2><table class="docs"><thead><tr>'
            f"<th>document</th><th>gold</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>")


def _compare_legend(styles: Styles) -> str:
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
    return ('<section class="card"><h2>Contrast</h2><p class="sub">Each article shows the gold claims, underlined '
            "in their type's colour and filled by which run matched them. The table under the text lists the claims "
            "one run matched and the other did not, with what the other run predicted there; open a run's view for "
            f'all its claims.</p><div class="legend">{"".join(items)}</div></section>')


# ------------------------------------------------------------------ entry points

def render_report(runs: list[Path], *, docs: Path | None = None) -> str:
    """The whole HTML page for one run, or for two runs on the same gold contrasted.

    ``docs`` overrides where the documents are read from when they moved since the run.
    """
    if len(runs) not in (1, 2):
        raise InputError(f"a report shows one run or contrasts two, got {len(runs)}")
    if len(runs) == 2:
        _same_gold(load_results(Path(runs[0])), load_results(Path(runs[1])), Path(runs[1]))
    first = load_run(runs[0], docs=docs)
    if len(runs) == 1:
        return _single_page(first)
    return _compare_page(first, load_run(runs[1], scheme=first.scheme, docs=docs, prefix="b"))


def _same_gold(a: dict, b: dict, where: Path) -> None:
    for key, what in (("sha256", "gold labels"), ("docs_sha256", "documents")):
        mine, theirs = a.get("gold", {}).get(key), b.get("gold", {}).get(key)
        if mine != theirs:
            raise InputError(f"the two runs were scored on different {what} ({key} {str(mine)[:12]} vs "
                             f"{str(theirs)[:12]}), so their claims cannot be contrasted", path=where)


PROTECTED_FILES = (RESULTS_FILE, PREDICTIONS_FILE, ERRORS_FILE, ALIGNMENT_FILE, UNITS_FILE)


def default_output(runs: list[Path]) -> Path:
    first = Path(runs[0])
    if len(runs) == 1:
        return first / REPORT_FILE
    other = load_results(Path(runs[1]))["run_id"]
    return first / f"compare-{slug(str(other))}.html"


def write_report(runs: list[Path], out: Path | None = None, *, docs: Path | None = None) -> Path:
    """Render and write the page atomically (temporary file, then rename); returns where it went.

    A report is derived output, so an earlier one is replaced; a run's own files never are.
    """
    out = Path(out) if out is not None else default_output(runs)
    if out.is_dir():
        raise InputError("is a folder, expected the report's file name", path=out)
    if out.name in PROTECTED_FILES and (out.parent / RESULTS_FILE).exists():
        raise InputError("refusing to overwrite a run's own file with a report", path=out)
    html = render_report(runs, docs=docs)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=out.parent, prefix=f".{out.name}.",
                                             suffix=".tmp", delete=False)
    except OSError as exc:
        raise InputError(f"cannot write the report here: {exc.strerror}", path=out.parent) from None
    try:
        with handle:
            handle.write(html)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, out)
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror}", path=out) from None
    finally:
        if os.path.exists(handle.name):
            os.unlink(handle.name)
    return out
