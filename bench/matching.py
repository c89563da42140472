"""Which predicted claim answers which gold claim, and what went wrong with the rest.

Matching schemes
----------------
A scheme is a similarity between a gold and a predicted claim, a minimum similarity for
a match, and whether the types must agree. They all live in ``SCHEMES``:

- ``lenient`` (the headline): same document, same type, character IoU >= threshold
  (default 0.5);
- ``strict``: same document, same type, identical boundaries (character IoU = 1, which is
  exact in floating point: the intersection then equals the union);
- ``detection``: same document, type ignored, character IoU >= threshold;
- ``text``: same document, same type, token F1 of the claims' texts >= threshold (default
  0.5). A claim's text is its ``text`` field, else its span of the document (the scorer
  fills it in); a claim with neither takes part in no pair. Tokens are SQuAD-style
  (``bench.align.squad_tokens``), so reworded and re-cut claims still match.

Character IoU = |gold ∩ pred| / |gold ∪ pred| over code-point offsets (end exclusive).
Adding a scheme is one new ``SCHEMES`` entry. Its similarity must be 0 for claims whose
spans do not overlap, because candidate pairs are only looked for among overlapping spans,
unless the scheme brings its own ``pairs`` (``text``: pairs sharing a token, found by
joining token entries per document).

A prediction written as free text that could not be placed in its document
(``bench.align``) is *unplaced*: ``start = end = -1``. It is a candidate in no pair, so it
is spurious under every scheme.

One-to-one, optimal, order-free
-------------------------------
Within a document every claim is used at most once. The pairing is optimal: the largest
possible number of pairs, and among those the largest total similarity. A greedy pairing
(best IoU first, or first come first served) can lose pairs and depends on the order of
the input; this one depends only on the claims: where a choice remains after both rules,
it is made on the claims' content, ordered by (start, end, type, claimant, attribution,
text, id, score), never on the input order.

Cost stays about linear in the data. Overlapping pairs are found for the whole corpus at
once by sorting spans and binary search (each overlapping pair has one span starting
inside the other). A pair whose gold and prediction have no other candidate is matched
directly; this is almost every pair. The remaining pairs are split into connected
components, each solved exactly on its edges alone (``bench.assignment``: shortest augmenting
paths, most pairs first, then the largest total similarity), so a chain of thousands of
overlapping claims costs about what its edges do, not the square of its size.

Outcomes
--------
Every gold claim and every prediction gets exactly one outcome, decided in stages, each
with the same optimal matcher over what the previous stages left:

1. ``matched``: pairs under the scheme;
2. ``wrong_type``: pairs the scheme would match if type were ignored, but types differ;
3. ``boundary``: overlapping pairs that fail the scheme's span test (IoU below the
   threshold; not identical under ``strict``; under ``text``, pairs sharing a token with
   F1 below the threshold), of the same type under a typed scheme;
4. ``missed``: gold claims left over; ``spurious``: predictions left over.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter

import msgspec
import numpy as np

from .align import squad_tokens, token_f1
from .assignment import assign
from .records import Claim

MATCHED = "matched"
WRONG_TYPE = "wrong_type"
BOUNDARY = "boundary"
MISSED = "missed"
SPURIOUS = "spurious"
OUTCOMES: tuple[str, ...] = (MATCHED, WRONG_TYPE, BOUNDARY, MISSED, SPURIOUS)
_KIND = {kind: code for code, kind in enumerate(OUTCOMES)}


# ---------------------------------------------------------------- claims as columns

@dataclass(slots=True)
class Spans:
    """The claims of many documents, flattened, with their spans and types as arrays.

    The claims of document ``k`` are ``claims[offsets[k]:offsets[k + 1]]``; ``type`` holds
    indices into the type list the columns were built with.
    """

    claims: list[Claim]
    offsets: np.ndarray
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    type: np.ndarray

    @classmethod
    def build(cls, per_doc: Sequence[Sequence[Claim]], type_index: Mapping[str, int] | None, *,
              unplaced: bool = False) -> Spans:
        """Columns of ``per_doc``; with ``unplaced``, claims at ``start = end = -1`` are allowed.

        ``type_index`` None: records without a type (quantity mentions), all of one kind.
        """
        lengths = np.fromiter(map(len, per_doc), np.int64, len(per_doc))
        offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        return cls.flat(list(chain.from_iterable(per_doc)), offsets, type_index, unplaced=unplaced)

    @classmethod
    def flat(cls, claims: list, offsets: np.ndarray, type_index: Mapping[str, int] | None, *,
             unplaced: bool = False) -> Spans:
        """Columns of records already grouped by document: document ``k``'s are ``claims[offsets[k]:offsets[k + 1]]``."""
        n = len(claims)
        lengths = np.diff(offsets)
        try:
            types = (np.zeros(n, np.int64) if type_index is None
                     else np.fromiter(map(type_index.__getitem__, map(_TYPE, claims)), np.int64, n))
        except KeyError:
            bad = next(c for c in claims if c.type not in type_index)
            raise ValueError(
                f'claim type "{bad.type}" in document "{bad.doc_id}" is not one of {", ".join(type_index)}'
            ) from None
        bounds = np.fromiter(map(_START_END, claims), _BOUNDS, n)  # one pass over the claims
        spans = cls(
            claims=claims,
            offsets=np.asarray(offsets, np.int64),
            doc=np.repeat(np.arange(len(lengths)), lengths),
            start=bounds["start"].copy(),
            end=bounds["end"].copy(),
            type=types,
        )
        valid = (spans.start >= 0) & (spans.end > spans.start)
        if unplaced:
            valid |= (spans.start == -1) & (spans.end == -1)
        if n and not valid.all():
            bad = claims[int(np.flatnonzero(~valid)[0])]
            raise ValueError(f'claim {bad.start}-{bad.end} in "{bad.doc_id}" needs 0 <= start < end')
        return spans

    def __len__(self) -> int:
        return len(self.claims)


_START_END, _TYPE = attrgetter("start", "end"), attrgetter("type")
_BOUNDS = np.dtype([("start", np.int64), ("end", np.int64)])


def type_index_of(*claim_lists: Sequence[Sequence[Claim]]) -> dict[str, int]:
    """An index for every type that occurs, for callers that have no fixed type list."""
    names = {c.type for per_doc in claim_lists for claims in per_doc for c in claims}
    return {name: k for k, name in enumerate(sorted(names))}


# ---------------------------------------------------------------- similarities and schemes

Similarity = Callable[[Claim, Claim], float]
BatchSimilarity = Callable[[Spans, Spans, np.ndarray, np.ndarray], np.ndarray]
CandidatePairs = Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]]


def char_iou(gold: Claim, pred: Claim) -> float:
    """Character intersection over union of two spans; 0 when they do not overlap."""
    inter = min(gold.end, pred.end) - max(gold.start, pred.start)
    if inter <= 0:
        return 0.0
    return inter / ((gold.end - gold.start) + (pred.end - pred.start) - inter)


def char_iou_batch(gold: Spans, preds: Spans, g: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``char_iou`` of the pairs (gold[g[i]], preds[p[i]]), computed as arrays."""
    inter = np.minimum(gold.end[g], preds.end[p]) - np.maximum(gold.start[g], preds.start[p])
    union = (gold.end[g] - gold.start[g]) + (preds.end[p] - preds.start[p]) - inter
    return np.where(inter > 0, inter / np.maximum(union, 1), 0.0)


def text_f1(gold: Claim, pred: Claim) -> float:
    """Token F1 of the two claims' ``text`` (``bench.align.token_f1``); a claim without text matches nothing."""
    if gold.text is None or pred.text is None:
        return 0.0
    return token_f1(squad_tokens(gold.text), squad_tokens(pred.text))


def shared_token_pairs(gold: Spans, preds: Spans, threshold: float = 0.0, gold_keep: np.ndarray | None = None,
                       pred_keep: np.ndarray | None = None, state: dict | None = None):
    """Pairs of the same document whose texts share a token, with their ``text_f1``; with a
    ``threshold``, only the pairs reaching it (``bench.textmatch``: prefix filtering, exact)."""
    from .textmatch import TextEntries, text_pairs

    state = {} if state is None else state
    entries = state.setdefault("entries", TextEntries())
    return text_pairs(gold, preds, threshold, gold_keep, pred_keep, entries)


def with_text(spans: Spans, texts: Sequence[str]) -> Spans:
    """The same columns, each claim's missing ``text`` filled with its span of its document
    (``texts[k]``: the text of document ``k``); unplaced claims keep theirs."""
    replace = msgspec.structs.replace
    claims = [c if c.text is not None or c.start < 0 else replace(c, text=texts[k][c.start:c.end])
              for c, k in zip(spans.claims, spans.doc.tolist())]
    return dataclasses.replace(spans, claims=claims)


@dataclass(frozen=True, slots=True)
class Scheme:
    """A named matching rule: ``similarity >= threshold``, and equal types if ``typed``.

    ``tunable`` is False when the threshold is part of the rule itself (``strict``), so a
    user's threshold does not change it. ``batch`` is an optional vectorised form of
    ``similarity``; without it ``similarity`` is called pair by pair. ``pairs`` finds the
    candidate pairs with their similarities in one go (default: overlapping spans, then
    ``similarities``): ``pairs(gold, preds, threshold, gold_keep, pred_keep, state)`` gives
    the pairs reaching ``threshold`` among the claims the masks keep (``state`` is a dict
    the scheme may keep work in between calls); ``uses_text`` asks the scorer to fill each
    claim's missing ``text`` from its document first (``with_text``).
    """

    name: str
    description: str
    similarity: Similarity
    typed: bool
    threshold: float
    tunable: bool = True
    batch: BatchSimilarity | None = None
    pairs: CandidatePairs | None = None
    uses_text: bool = False

    def resolve_threshold(self, threshold: float | None) -> float:
        """The minimum similarity this scheme uses, given a user's threshold (None: the default)."""
        if threshold is None:
            return self.threshold
        threshold = check_threshold(threshold)
        return threshold if self.tunable else self.threshold

    def similarities(self, gold: Spans, preds: Spans, g: np.ndarray, p: np.ndarray) -> np.ndarray:
        if self.batch is not None:
            return self.batch(gold, preds, g, p)
        pairs = zip(g.tolist(), p.tolist())
        return np.fromiter((self.similarity(gold.claims[i], preds.claims[j]) for i, j in pairs), float, len(g))


SCHEMES: dict[str, Scheme] = {
    scheme.name: scheme
    for scheme in (
        Scheme("lenient", "same type, character IoU >= threshold", char_iou, typed=True, threshold=0.5,
               batch=char_iou_batch),
        Scheme("strict", "same type, identical boundaries", char_iou, typed=True, threshold=1.0, tunable=False,
               batch=char_iou_batch),
        Scheme("detection", "any type, character IoU >= threshold", char_iou, typed=False, threshold=0.5,
               batch=char_iou_batch),
        Scheme("text", "same type, token F1 of the texts >= threshold", text_f1, typed=True, threshold=0.5,
               pairs=shared_token_pairs, uses_text=True),
    )
}
HEADLINE = "lenient"


def get_scheme(scheme: str | Scheme) -> Scheme:
    if isinstance(scheme, Scheme):
        return scheme
    try:
        return SCHEMES[scheme]
    except (KeyError, TypeError):
        raise ValueError(f'unknown scheme "{scheme}" (expected one of {", ".join(SCHEMES)})') from None


def check_threshold(threshold: float) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a number in (0, 1], got {threshold!r}")
    return float(threshold)


# The three stages: which candidate pairs each may use (see the module docstring).
def _matched(scheme: Scheme, sim: np.ndarray, same: np.ndarray, threshold: float) -> np.ndarray:
    return (sim >= threshold) & same if scheme.typed else sim >= threshold


def _wrong_type(scheme: Scheme, sim: np.ndarray, same: np.ndarray, threshold: float) -> np.ndarray:
    return (sim >= threshold) & ~same


def _boundary(scheme: Scheme, sim: np.ndarray, same: np.ndarray, threshold: float) -> np.ndarray:
    return same if scheme.typed else np.ones_like(same)


STAGES = ((MATCHED, _matched), (WRONG_TYPE, _wrong_type), (BOUNDARY, _boundary))


# ---------------------------------------------------------------- candidate pairs

def overlapping_pairs(gold: Spans, preds: Spans) -> tuple[np.ndarray, np.ndarray]:
    """Every (gold, pred) pair of the same document whose spans share a code point.

    In an overlapping pair either the prediction starts inside the gold span or the gold
    claim starts inside the prediction (strictly after its start), never both; each case
    is a contiguous run of the other side sorted by (document, start), found by binary search.
    Pairs come in no particular order.
    """
    if not len(gold) or not len(preds):
        empty = np.zeros(0, np.int64)
        return empty, empty
    stride = int(max(gold.end.max(), preds.end.max())) + 1
    gold_order = np.argsort(gold.doc * stride + gold.start, kind="stable")
    pred_order = np.argsort(preds.doc * stride + preds.start, kind="stable")
    gold_key = (gold.doc * stride + gold.start)[gold_order]  # sorted, and so are the queries below
    pred_key = (preds.doc * stride + preds.start)[pred_order]
    # predictions starting in [gold.start, gold.end)
    lo = np.searchsorted(pred_key, gold_key, "left")
    hi = np.searchsorted(pred_key, (gold.doc * stride + gold.end)[gold_order], "left")
    g_a, at = _expand(lo, hi)
    g_a, p_a = gold_order[g_a], pred_order[at]
    # gold claims starting in (pred.start, pred.end)
    lo = np.searchsorted(gold_key, pred_key, "right")
    hi = np.searchsorted(gold_key, (preds.doc * stride + preds.end)[pred_order], "left")
    p_b, at = _expand(lo, hi)
    p_b, g_b = pred_order[p_b], gold_order[at]
    return np.concatenate([g_a, g_b]), np.concatenate([p_a, p_b])


@dataclass(slots=True)
class Overlaps:
    """The overlapping pairs of one pair of columns, and their character IoU, found once for every span scheme."""

    gold: Spans
    preds: Spans
    _pairs: tuple[np.ndarray, np.ndarray] | None = None
    _iou: np.ndarray | None = None

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        if self._pairs is None:
            self._pairs = overlapping_pairs(self.gold, self.preds)
        return self._pairs

    def iou(self) -> np.ndarray:
        if self._iou is None:
            self._iou = char_iou_batch(self.gold, self.preds, *self.pairs())
        return self._iou


def _expand(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) for every position in the ranges [lo[i], hi[i])."""
    sizes = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(lo)), sizes)
    first = np.cumsum(sizes) - sizes
    position = np.arange(int(sizes.sum())) - np.repeat(first - lo, sizes)
    return owner, position


# ---------------------------------------------------------------- optimal one-to-one matching

def content_key(claim: Claim) -> tuple:
    """Sort key on everything a record says: the order in which remaining ties are broken.

    Claims sort by (start, end, type, claimant, attribution, text, id, score); any other
    record (a quantity mention) by its offsets, then its whole content as JSON.
    """
    if not isinstance(claim, Claim):
        return (claim.start, claim.end, msgspec.json.encode(claim))
    return (
        claim.start, claim.end, claim.type or "",
        claim.claimant or "", claim.attribution or "", claim.text or "", claim.id or "",
        -1.0 if claim.score is None else claim.score,
    )


def optimal_pairs(g: np.ndarray, p: np.ndarray, sim: np.ndarray, gold: Spans, preds: Spans) -> np.ndarray:
    """Mask of the candidate edges (g[i], p[i], sim[i]) in a maximum one-to-one matching.

    Maximum number of pairs first, then maximum total similarity; see the module docstring.
    """
    chosen = np.zeros(len(g), bool)
    if not len(g):
        return chosen
    gold_degree = np.bincount(g, minlength=len(gold))
    pred_degree = np.bincount(p, minlength=len(preds))
    alone = (gold_degree[g] == 1) & (pred_degree[p] == 1)
    chosen[alone] = True  # nothing competes for either claim
    rest = np.flatnonzero(~alone)
    if rest.size:
        edges = list(zip(g[rest].tolist(), p[rest].tolist(), sim[rest].tolist(), rest.tolist()))
        for component in _components(edges):
            for edge in _solve(component, gold.claims, preds.claims):
                chosen[edge[3]] = True
    return chosen


Edge = tuple[int, int, float, int]  # gold, prediction, similarity, edge id


def _components(edges: list[Edge]) -> list[list[Edge]]:
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(node: tuple[int, int]) -> tuple[int, int]:
        root = node
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    for g, p, _, _ in edges:
        a, b = find((0, g)), find((1, p))
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[tuple[int, int], list[Edge]] = {}
    for edge in edges:
        groups.setdefault(find((0, edge[0])), []).append(edge)
    return list(groups.values())


def _solve(edges: list[Edge], gold: Sequence[Claim], preds: Sequence[Claim]) -> list[Edge]:
    """The optimal matching of one connected component, candidates in content order."""
    rows = sorted({e[0] for e in edges}, key=lambda i: (content_key(gold[i]), i))
    cols = sorted({e[1] for e in edges}, key=lambda j: (content_key(preds[j]), j))
    row_at = {r: k for k, r in enumerate(rows)}
    col_at = {c: k for k, c in enumerate(cols)}
    edges = sorted(edges, key=lambda e: (row_at[e[0]], col_at[e[1]]))
    if len(rows) == 1 or len(cols) == 1:
        return [max(edges, key=lambda e: e[2])]  # a star: the best edge, the first of equals
    by_cell = {(row_at[e[0]], col_at[e[1]]): e for e in edges}
    chosen = assign(len(rows), len(cols), [(r, c, e[2]) for (r, c), e in by_cell.items()], pairs_first=True)
    return [by_cell[cell] for cell in chosen.items()]


# ---------------------------------------------------------------- outcomes

@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one gold claim, one prediction, or a pair of them.

    ``gold`` and ``pred`` index the document's gold and prediction lists as given;
    ``similarity`` is the scheme's similarity of the pair (None without a pair).
    """

    kind: str
    gold: int | None = None
    pred: int | None = None
    similarity: float | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "gold": self.gold, "pred": self.pred, "similarity": self.similarity}


@dataclass(slots=True)
class DocumentResult:
    """The outcomes of one document: pairs first (by stage), then missed, then spurious."""

    doc_id: str
    outcomes: list[Outcome] = field(default_factory=list)

    def pairs(self, kind: str = MATCHED) -> list[tuple[int, int]]:
        return [(o.gold, o.pred) for o in self.outcomes if o.kind == kind]

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "outcomes": [o.to_dict() for o in self.outcomes]}


@dataclass(slots=True)
class Classification:
    """Outcomes of many documents as arrays, one row per outcome, sorted by (document, kind, gold, pred).

    ``gold``/``pred`` are indices into the flat ``Spans`` (-1 when absent); ``similarity`` is
    NaN for missed and spurious rows.
    """

    gold_spans: Spans
    pred_spans: Spans
    doc: np.ndarray
    kind: np.ndarray
    gold: np.ndarray
    pred: np.ndarray
    similarity: np.ndarray

    def rows(self, kind: str) -> np.ndarray:
        return self.kind == _KIND[kind]


def classify_documents(gold: Spans, preds: Spans, scheme: str | Scheme, threshold: float | None = None,
                       *, stages: int = len(STAGES), overlaps: Overlaps | None = None) -> Classification:
    """Outcomes for every claim of every document (``gold`` and ``preds`` list the same documents).

    ``stages=1`` stops after the scheme's own matches (used for attribution pairs); the
    claims left over are then reported as missed and spurious. ``overlaps`` shares the
    overlapping pairs (and their character IoU) of these same columns between schemes.
    """
    scheme = get_scheme(scheme)
    threshold = scheme.resolve_threshold(threshold)
    state: dict = {}
    if scheme.pairs is not None:  # stages 1-2 need only the pairs reaching the threshold
        g, p, sim = scheme.pairs(gold, preds, threshold, None, None, state)
    elif overlaps is not None:
        g, p = overlaps.pairs()
        sim = overlaps.iou() if scheme.batch is char_iou_batch else scheme.similarities(gold, preds, g, p)
    else:
        g, p = overlapping_pairs(gold, preds)
        sim = scheme.similarities(gold, preds, g, p)
    same = gold.type[g] == preds.type[p]
    used_gold = np.zeros(len(gold), bool)
    used_pred = np.zeros(len(preds), bool)
    parts = []
    for kind, eligible in STAGES[:stages]:
        if kind == BOUNDARY and scheme.pairs is not None:  # any shared token, among the claims left
            g, p, sim = scheme.pairs(gold, preds, 0.0, ~used_gold, ~used_pred, state)
            same = gold.type[g] == preds.type[p]
        mask = eligible(scheme, sim, same, threshold) & ~used_gold[g] & ~used_pred[p]
        edges = np.flatnonzero(mask)
        chosen = edges[optimal_pairs(g[edges], p[edges], sim[edges], gold, preds)]
        used_gold[g[chosen]] = True
        used_pred[p[chosen]] = True
        parts.append((np.full(len(chosen), _KIND[kind]), g[chosen], p[chosen], sim[chosen]))
    missed = np.flatnonzero(~used_gold)
    spurious = np.flatnonzero(~used_pred)
    none = np.full(len(missed) + len(spurious), np.nan)
    parts.append((np.full(len(missed), _KIND[MISSED]), missed, np.full(len(missed), -1), none[: len(missed)]))
    parts.append((np.full(len(spurious), _KIND[SPURIOUS]), np.full(len(spurious), -1), spurious, none[len(missed):]))
    kind, g_out, p_out, s_out = (np.concatenate(column) for column in zip(*parts))
    kind = kind.astype(np.int8)
    doc = np.where(g_out >= 0, gold.doc[np.maximum(g_out, 0)] if len(gold) else 0,
                   preds.doc[np.maximum(p_out, 0)] if len(preds) else 0)
    order = np.lexsort((p_out, g_out, kind, doc))
    return Classification(gold, preds, doc[order], kind[order], g_out[order], p_out[order], s_out[order])


class DocumentResults(Sequence[DocumentResult]):
    """Per-document outcomes of a corpus, built on access from the outcome arrays."""

    def __init__(self, doc_ids: Sequence[str], classification: Classification):
        self.doc_ids = list(doc_ids)
        self._c = classification
        self._bounds = np.searchsorted(classification.doc, np.arange(len(self.doc_ids) + 1), "left")

    def __len__(self) -> int:
        return len(self.doc_ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        c, lo, hi = self._c, self._bounds[index], self._bounds[index + 1]
        g0, p0 = int(c.gold_spans.offsets[index]), int(c.pred_spans.offsets[index])
        outcomes = [
            Outcome(OUTCOMES[k], None if g < 0 else g - g0, None if p < 0 else p - p0, None if s != s else s)
            for k, g, p, s in zip(c.kind[lo:hi].tolist(), c.gold[lo:hi].tolist(), c.pred[lo:hi].tolist(),
                                  c.similarity[lo:hi].tolist())
        ]
        return DocumentResult(self.doc_ids[index], outcomes)

    def __iter__(self) -> Iterator[DocumentResult]:
        return (self[k] for k in range(len(self)))

    def counts(self) -> dict[str, int]:
        """How many of each outcome over all documents (a pair counts once)."""
        found = np.bincount(self._c.kind, minlength=len(OUTCOMES))
        return {kind: int(n) for kind, n in zip(OUTCOMES, found)}

    def to_dict(self) -> list[dict]:
        return [result.to_dict() for result in self]


# ---------------------------------------------------------------- one document

def classify(doc_id: str, gold: Sequence[Claim], preds: Sequence[Claim], scheme: str | Scheme,
             threshold: float | None = None) -> DocumentResult:
    """One outcome for every gold claim and every prediction of one document."""
    types = type_index_of([gold], [preds])
    outcome = classify_documents(Spans.build([gold], types), Spans.build([preds], types, unplaced=True), scheme,
                                 threshold)
    return DocumentResults([doc_id], outcome)[0]


def match_claims(gold: Sequence[Claim], preds: Sequence[Claim], scheme: str | Scheme,
                 threshold: float | None = None) -> list[tuple[int, int, float]]:
    """The optimal (gold index, prediction index, similarity) pairs of one document under a scheme."""
    types = type_index_of([gold], [preds])
    c = classify_documents(Spans.build([gold], types), Spans.build([preds], types, unplaced=True), scheme, threshold,
                           stages=1)
    rows = c.rows(MATCHED)
    return sorted(zip(c.gold[rows].tolist(), c.pred[rows].tolist(), c.similarity[rows].tolist()))
