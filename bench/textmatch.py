"""Candidate pairs of the ``text`` scheme: claims of a document whose texts share tokens, with their token F1.

A claim's tokens are ``bench.align.squad_tokens`` of its text, worked out once per distinct
text, for ``CHUNK`` new texts at a time (``squad_token_stream``) and numbered on arrays. Its
*entries* are (token, k-th occurrence) pairs, so two claims share as many entries as they
have tokens in common, repeats included; token F1 = 2·shared / (n_gold + n_pred).

Pairs that can reach a threshold t > 0 are found by prefix filtering (Chaudhuri et al.
2006) rather than by joining every shared word: a pair with F1 >= t shares at least
c(n) = ceil(t·n / (2 − t)) entries with a claim of n entries (a stretch sharing c entries
has F1 at most 2c / (n + c)), so under any fixed order of entries the first shared entry
lies within the first n − c(n) + 1 entries of both claims. Only those prefixes are joined,
and every candidate is then checked exactly. The order puts the entries least common among
the claims compared first, so prefixes hold a text's rarest words and few pairs are
candidates (the order is that of each run of documents joined together: any fixed order
gives the same pairs). With t = 0 (pairs sharing any token, the ``boundary`` stage), every
entry is joined; that stage only asks about the claims the earlier stages left unpaired.
Texts without any token agree only with each other (SQuAD). The shared entries of a
candidate pair are counted by looking each entry of its shorter text up in one sorted table
of every text's entries.

The result is exactly the pairs with F1 >= t. Everything per claim and per pair is done on
arrays; per distinct text there is only its share of a tokenisation pass and one dictionary
lookup.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import count, islice, repeat
from operator import attrgetter, is_not

import numpy as np

from .align import ARTICLES, TEXT_END, squad_token_stream

# Texts tokenised, and claims of both sides joined, at a time: the arrays stay small (and in
# cache) whatever the corpus; the pairs found do not depend on it.
CHUNK = 1 << 16


class TextEntries:
    """Every distinct text met so far, as entries: each text's in decreasing order, all texts end to end."""

    def __init__(self) -> None:
        # a token (or a repeat code) gets the next number when first met; the stream markers and
        # the articles get the first numbers, and are dropped
        self.ids: defaultdict[object, int] = defaultdict(count().__next__)
        for token in (TEXT_END, *sorted(ARTICLES)):
            self.ids[token]
        self._dropped = len(self.ids)
        self.of_text: dict[str, int] = {}
        self._entries: list[np.ndarray] = []
        self._sizes: list[np.ndarray] = []
        self._table: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def add(self, texts: list[str]) -> np.ndarray:
        """The text number of each of ``texts``, tokenising the new ones (``CHUNK`` at a time, on arrays)."""
        of_text, known = self.of_text, len(self.of_text)
        number = of_text.setdefault  # a new text gets the next number, in one lookup per text
        numbers = np.fromiter((number(t, len(of_text)) for t in texts), np.int64, len(texts))
        new = list(islice(of_text, known, None))
        for lo in range(0, len(new), CHUNK):
            entries, sizes = self._entries_of(new[lo:lo + CHUNK])
            self._entries.append(entries)
            self._sizes.append(sizes)
        if new:
            self._table = None
        return numbers

    def _entries_of(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Entries of each text, end to end and each text's decreasing, and how many each has."""
        stream = squad_token_stream(texts)
        ids = np.fromiter(map(self.ids.__getitem__, stream), np.int64, len(stream))
        owner = np.cumsum(ids == 0) - (ids == 0)  # the text each token belongs to (TEXT_END is number 0)
        kept = ids >= self._dropped
        owner, ids = owner[kept], ids[kept]
        # the k-th occurrence of a token in a text is an entry of its own: rank the repeats
        width = len(self.ids)
        key = np.sort(owner * width + ids, kind="stable")  # texts come in order: timsort's runs make this near-linear
        run_start = np.r_[True, key[1:] != key[:-1]]
        index = np.arange(len(key))
        rank = index - np.maximum.accumulate(np.where(run_start, index, 0))
        owner, ids = key // width, key % width
        repeats = np.flatnonzero(rank)
        if len(repeats):
            keys = zip(ids[repeats].tolist(), rank[repeats].tolist())  # (token number, k - 1)
            ids[repeats] = np.fromiter(map(self.ids.__getitem__, keys), np.int64, len(repeats))
        width = len(self.ids)
        order = np.sort(owner * width + (width - 1 - ids), kind="stable")  # by text, then decreasing entry
        return width - 1 - order % width, np.bincount(owner, minlength=len(texts)).astype(np.int64)

    def table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(entries of all texts end to end, where each text starts, how many it has, and the
        key text * width + (width - 1 - entry) of every entry: increasing, as texts come in order
        and each text's entries are decreasing)."""
        if self._table is None:
            flat = np.concatenate(self._entries) if self._entries else np.zeros(0, np.int64)
            sizes = np.concatenate(self._sizes) if self._sizes else np.zeros(0, np.int64)
            width = len(self.ids)
            keys = np.repeat(np.arange(len(sizes)), sizes) * width + (width - 1 - flat)
            self._table = (flat, np.cumsum(sizes) - sizes, sizes, keys)
        return self._table

    def shared(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """How many entries texts ``a[i]`` and ``b[i]`` share, for every i (their multiset intersection).

        A text shares all its entries with itself; otherwise each entry of the shorter text of a
        pair is looked up among the keys of the other."""
        flat, first, sizes, keys = self.table()
        width = len(self.ids)
        out = np.zeros(len(a), np.int64)
        same = a == b
        out[same] = sizes[a[same]]
        rest = np.flatnonzero(~same)
        a, b = a[rest], b[rest]
        swap = sizes[a] > sizes[b]
        short, other = np.where(swap, b, a), np.where(swap, a, b)
        pair, at = _gather(first[short], sizes[short])
        wanted = other[pair] * width + (width - 1 - flat[at])
        found = np.searchsorted(keys, wanted)
        hit = keys[np.minimum(found, max(len(keys) - 1, 0))] == wanted if len(keys) else np.zeros(0, bool)
        out[rest] = np.bincount(pair[hit], minlength=len(rest))
        return out


def needed(threshold: float, n: np.ndarray) -> np.ndarray:
    """Fewest shared entries a claim of ``n`` entries needs for token F1 >= ``threshold`` (t > 0)."""
    return np.maximum(1, np.ceil(threshold * n / (2 - threshold) - 1e-9)).astype(np.int64)


def _gather(first: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) of every position in the ranges [first[i], first[i] + lengths[i])."""
    owner = np.repeat(np.arange(len(first)), lengths)
    position = np.arange(int(lengths.sum())) + np.repeat(first - (np.cumsum(lengths) - lengths), lengths)
    return owner, position


def _prefixes(owner, entry, n, rank, by_rarity, threshold):
    """Each claim's n - needed + 1 rarest entries (owner-major), from all its entries (owner-major)."""
    width = len(rank)
    ordered = np.sort(owner * width + rank[entry], kind="stable")  # owners come in order
    owner, entry = ordered // width, by_rarity[ordered % width]
    length = np.where(n > 0, n - needed(threshold, n) + 1, 0)
    _, at = _gather(np.cumsum(n) - n, length)
    return owner[at], entry[at]


_TEXT = attrgetter("text")


def _side(spans, keep, entries: TextEntries):
    """The claims of one side that take part: rows, text numbers and documents."""
    placed = spans.start >= 0
    if keep is not None:
        placed &= keep
    rows = np.flatnonzero(placed)
    texts = list(map(_TEXT, map(spans.claims.__getitem__, rows.tolist())))
    has_text = np.fromiter(map(is_not, texts, repeat(None)), bool, len(texts))
    if not has_text.all():
        rows, texts = rows[has_text], [t for t in texts if t is not None]
    numbers = entries.add(texts)
    return rows, numbers, spans.doc[rows]


def text_pairs(gold, preds, threshold: float, gold_keep: np.ndarray | None = None,
               pred_keep: np.ndarray | None = None, entries: TextEntries | None = None):
    """(gold index, prediction index, token F1) of every pair of the same document with F1 >= ``threshold``
    (with 0: sharing a token), among the claims ``gold_keep``/``pred_keep`` allow. Unplaced
    claims and claims without text take part in no pair.

    Pairs never cross documents, so the join runs over runs of whole documents of about
    ``CHUNK`` claims at a time: the same pairs, with arrays that stay small whatever the corpus."""
    entries = entries or TextEntries()
    g_rows, g_text, g_doc = _side(gold, gold_keep, entries)
    p_rows, p_text, p_doc = _side(preds, pred_keep, entries)
    found = [(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))]
    for g_part, p_part in _chunks(g_doc, p_doc):
        gi, pi, f1 = _join(g_text[g_part], g_doc[g_part], p_text[p_part], p_doc[p_part], threshold, entries)
        found.append((g_rows[g_part][gi], p_rows[p_part][pi], f1))
    g, p, f1 = (np.concatenate(column) for column in zip(*found))
    order = np.lexsort((p, g))
    return g[order], p[order], f1[order]


def _chunks(g_doc: np.ndarray, p_doc: np.ndarray) -> list[tuple[slice, slice]]:
    """Slices of the two sides (each sorted by document) that cover whole documents, about
    ``CHUNK`` claims each; slices where either side is empty are left out (no pair there)."""
    if not len(g_doc) or not len(p_doc):
        return []
    n_docs = int(max(g_doc[-1], p_doc[-1])) + 1
    total = np.cumsum(np.bincount(g_doc, minlength=n_docs) + np.bincount(p_doc, minlength=n_docs))
    bounds = np.unique(np.r_[0, np.searchsorted(total, np.arange(CHUNK, total[-1], CHUNK), "right"), n_docs])
    g_at, p_at = np.searchsorted(g_doc, bounds).tolist(), np.searchsorted(p_doc, bounds).tolist()
    return [(slice(g_at[k], g_at[k + 1]), slice(p_at[k], p_at[k + 1])) for k in range(len(bounds) - 1)
            if g_at[k] < g_at[k + 1] and p_at[k] < p_at[k + 1]]


def _join(g_text, g_doc, p_text, p_doc, threshold: float, entries: TextEntries):
    """(gold position, prediction position, F1) of the pairs reaching ``threshold`` among the given claims."""
    flat, first, sizes, _ = entries.table()
    stride = len(entries.ids) + 1
    g_owner, g_entry = _gather(first[g_text], sizes[g_text])
    p_owner, p_entry = _gather(first[p_text], sizes[p_text])
    g_entry, p_entry = flat[g_entry], flat[p_entry]
    if threshold > 0:
        # the order of the prefixes: entries least common among the claims compared come first
        common = np.bincount(g_entry, minlength=stride) + np.bincount(p_entry, minlength=stride)
        by_rarity = np.lexsort((np.arange(stride), common))
        rank = np.empty(stride, np.int64)
        rank[by_rarity] = np.arange(stride)
        g_owner, g_entry = _prefixes(g_owner, g_entry, sizes[g_text], rank, by_rarity, threshold)
        p_owner, p_entry = _prefixes(p_owner, p_entry, sizes[p_text], rank, by_rarity, threshold)
    g_key, p_key = g_doc[g_owner] * stride + g_entry, p_doc[p_owner] * stride + p_entry
    order = np.argsort(g_key, kind="stable")
    g_key, g_owner = g_key[order], g_owner[order]
    lo, hi = np.searchsorted(g_key, p_key, "left"), np.searchsorted(g_key, p_key, "right")
    p_at, g_at = _gather(lo, hi - lo)
    width = max(len(g_text), 1)
    codes = np.sort(p_owner[p_at] * width + g_owner[g_at], kind="stable")  # predictions come in order
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]] if len(codes) else codes
    # texts without tokens agree with each other, in the same document
    g_empty, p_empty = np.flatnonzero(sizes[g_text] == 0), np.flatnonzero(sizes[p_text] == 0)
    if len(g_empty) and len(p_empty):
        empty_doc = g_doc[g_empty]  # increasing: claims come by document
        lo = np.searchsorted(empty_doc, p_doc[p_empty], "left")
        b, a = _gather(lo, np.searchsorted(empty_doc, p_doc[p_empty], "right") - lo)
        codes = np.union1d(codes, p_empty[b] * width + g_empty[a])
    pi, gi = codes // width, codes % width
    shared = entries.shared(g_text[gi], p_text[pi])
    total = sizes[g_text[gi]] + sizes[p_text[pi]]
    f1 = np.where(total > 0, 2 * shared / np.maximum(total, 1), 1.0)
    keep = (f1 >= threshold) & (f1 > 0)
    return gi[keep], pi[keep], f1[keep]
