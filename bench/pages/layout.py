"""How a report draws claims over an article's text: segments, lanes, styles, small HTML pieces.

Each article's text is cut at every claim boundary into segments (one sweep over sorted
boundaries), and each segment lists the claims covering it. Gold claims are underlines,
stacked in lanes below the text, styled by outcome; predictions are fills in the type's
colour, split into bands where they overlap. Every value written into the page goes
through ``attr`` or ``html``, whatever its type.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from .assets import GOLD_LINES, LINE_PX, MAX_LANES, OUTCOME_GLYPHS, OUTCOME_LABELS, PRED_ALPHA, SLOT_PX, fill_image, \
    type_class, type_colour, underline_image

GOLD, PRED = "gold", "pred"
# Lines of a segment's hover text; the claim table below the article has them all.
TITLE_LINES = 6
MISSING = "–"


# Control characters a document may hold (NUL, ESC, DEL, C1 controls) are shown as visible marks of one
# character each, never written raw, so the page parses and every offset still lands on its character:
# C0 controls and DEL as their Unicode control pictures (NUL as ␀), C1 controls as U+FFFD. Tab and line
# feed are text; a carriage return is a control picture too, since HTML parsers turn "\r\n" into "\n".
_CONTROLS = {c: 0x2400 + c for c in range(32) if c not in (9, 10)} | {0x7F: 0x2421} | {
    c: 0xFFFD for c in range(0x80, 0xA0)}


def visible(text: str) -> str:
    """``text`` with every control character replaced by a visible mark of the same length."""
    return text.translate(_CONTROLS)


def attr(value: object) -> str:
    """Any value as an HTML attribute value."""
    return escape(visible(str(value)), quote=True)


def html(value: object) -> str:
    """Any value as HTML text."""
    return escape(visible(str(value)), quote=False)


@dataclass(frozen=True, slots=True)
class ClaimView:
    """One gold record or prediction as the page shows it (claim or quantity mention)."""

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
    detail: str = ""  # a quantity's normalised value and what it counts
    ident: str = ""  # a gold record's id, a prediction's line in the run's predictions.jsonl
    wrong: tuple[str, ...] = ()  # on a matched prediction: what it gets wrong (claimant, attribution, value)

    @property
    def placed(self) -> bool:
        """False for a free-text prediction that alignment could not place in the text."""
        return self.start >= 0


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

def who(claim: ClaimView) -> str:
    if claim.claimant is None and claim.attribution is None:
        return "" if claim.detail else "no claimant"
    who = claim.claimant if claim.claimant is not None else "?"
    return f"{who} ({claim.attribution})" if claim.attribution else str(who)


def short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def claim_attrs(claim: ClaimView, extra: str = "") -> str:
    return (f'data-claim="{claim.side}" data-doc="{attr(claim.doc_id)}" data-start="{claim.start}" '
            f'data-end="{claim.end}" data-type="{attr(claim.type)}" data-outcome="{attr(claim.outcome)}" '
            f'data-ref="{claim.ref}"{extra}')


def claim_title(claim: ClaimView, partner: ClaimView | None) -> str:
    head = f"{claim.side} · {claim.type} · {OUTCOME_LABELS.get(claim.outcome, claim.outcome)}"
    if claim.similarity is not None:
        head += f" (similarity {claim.similarity:.2f})"
    lines = [head, f"claimant: {who(claim)}", f"[{claim.start}, {claim.end}) “{short(claim.text, 160)}”"]
    if claim.detail:
        lines.insert(1, claim.detail)
    if partner is not None:
        lines.append(f"paired {partner.side}: {partner.type} [{partner.start}, {partner.end}) {who(partner)}")
    return "\n".join(lines)


def chip(claim_type: str) -> str:
    return f'<span class="chip {type_class(claim_type)}">{html(claim_type)}</span>'


def outcome_badge(outcome: str, side: str, claim_type: str) -> str:
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


def text_html(text: str, layers: Sequence[Layer], styles: Styles, describe) -> str:
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
        piece = html(text[a:b])
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
        parts.append(f'<span class="s {name}"{attrs} title="{attr(title)}">{badges}{piece}</span>')
    return "".join(parts)


def _lines(lines: list[str]) -> str:
    if len(lines) > TITLE_LINES:
        lines = lines[:TITLE_LINES] + [f"… and {len(lines) - TITLE_LINES} more"]
    return "\n".join(lines)


def describe_outcome(claim: ClaimView) -> str:
    similarity = "" if claim.similarity is None else f" {claim.similarity:.2f}"
    outcome = OUTCOME_LABELS.get(claim.outcome, claim.outcome)
    parts = [f"{claim.side} {claim.type}", f"{outcome}{similarity}", who(claim), claim.detail]
    return " · ".join(part for part in parts if part)


def run_layer(claim: ClaimView, partner: ClaimView | None) -> Layer:
    """A claim of a single run: gold underlined by outcome, prediction filled (hatched when spurious)."""
    colour = type_colour(claim.type)
    if claim.side == GOLD:
        look = (colour, GOLD_LINES.get(claim.outcome, "solid"))
    else:
        look = (colour, PRED_ALPHA, claim.outcome == "spurious")
    badge = (f'<span class="mk {claim.side[0]} o-{attr(claim.outcome)} {type_class(claim.type)}" '
             f'{claim_attrs(claim)} title="{attr(claim_title(claim, partner))}">'
             f'{OUTCOME_GLYPHS.get(claim.outcome, "?")}</span>')
    return Layer(claim, claim.side == PRED, look, badge)
