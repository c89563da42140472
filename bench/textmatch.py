"""Candidate pairs of the ``text`` scheme: claims of a document whose texts share tokens, with their token F1.

A claim's tokens are ``bench.align.squad_tokens`` of its text, worked out once per distinct
text. Its *entries* are (token, k-th occurrence) pairs, so two claims share as many entries
as they have tokens in common, repeats included; token F1 = 2·shared / (n_gold + n_pred).

Pairs that can reach a threshold t > 0 are found by prefix filtering (Chaudhuri et al.
2006) rather than by joining every shared word: a pair with F1 >= t shares at least
c(n) = ceil(t·n / (2 − t)) entries with a claim of n entries (a stretch sharing c entries
has F1 at most 2c / (n + c)), so under any fixed order of entries the first shared entry
lies within the first n − c(n) + 1 entries of both claims. Only those prefixes are joined,
and every candidate is then checked exactly. Entries are numbered as they are first met,
so frequent words get small numbers; the order is by decreasing number, which puts a
text's rarer words in its prefix. With t = 0 (pairs sharing any token, the ``boundary``
stage), every entry is joined; that stage only asks about the claims the earlier stages
left unpaired. Texts without any token agree only with each other (SQuAD).

The result is exactly the pairs with F1 >= t. Per distinct text the work is its
tokenisation; everything per claim and per pair is done on arrays.
"""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import count

import numpy as np

from .align import squad_tokens


class TextEntries:
    """Every distinct text met so far: its entries (decreasing), their sets, and one table of all of them."""

    def __init__(self) -> None:
        self.ids: defaultdict[object, int] = defaultdict(count().__next__)  # a new key gets the next number
        self.of_text: dict[str, int] = {}
        self.sizes: list[int] = []
        self.sets: list[frozenset] = []
        self._flat: list[int] = []
        self._table: tuple[np.ndarray, np.ndarray] | None = None

    def add(self, texts: list[str]) -> np.ndarray:
        """The text number of each of ``texts``, tokenising the new ones."""
        of_text, number_of = self.of_text, self.ids.__getitem__
        sizes, sets, flat = self.sizes, self.sets, self._flat
        numbers = np.empty(len(texts), np.int64)
        for k, text in enumerate(texts):
            number = of_text.get(text)
            if number is None:
                number = of_text[text] = len(sizes)
                tokens = squad_tokens(text)
                if len(set(tokens)) < len(tokens):  # repeats: the k-th occurrence is an entry of its own
                    seen: dict[str, int] = {}
                    keys = []
                    for token in tokens:
                        n = seen[token] = seen.get(token, 0) + 1
                        keys.append(token if n == 1 else (token, n))
                    tokens = keys
                entries = sorted(map(number_of, tokens), reverse=True)
                sizes.append(len(entries))
                sets.append(frozenset(entries))
                flat.extend(entries)
                self._table = None
            numbers[k] = number
        return numbers

    def table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(entries of all texts end to end, where each text starts, how many it has)."""
        if self._table is None:
            sizes = np.array(self.sizes, np.int64)
            self._table = (np.array(self._flat, np.int64), np.cumsum(sizes) - sizes, sizes)
        return (*self._table,)


def needed(threshold: float, n: np.ndarray) -> np.ndarray:
    """Fewest shared entries a claim of ``n`` entries needs for token F1 >= ``threshold`` (t > 0)."""
    return np.maximum(1, np.ceil(threshold * n / (2 - threshold) - 1e-9)).astype(np.int64)


def _gather(first: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) of every position in the ranges [first[i], first[i] + lengths[i])."""
    owner = np.repeat(np.arange(len(first)), lengths)
    position = np.arange(int(lengths.sum())) + np.repeat(first - (np.cumsum(lengths) - lengths), lengths)
    return owner, position


def _side(spans, keep, entries: TextEntries):
    """The claims of one side that take part: rows, text numbers and documents."""
    placed = spans.start >= 0
    if keep is not None:
        placed &= keep
    rows = np.flatnonzero(placed)
    claims = spans.claims
    texts = [claims[i].text for i in rows.tolist()]
    has_text = np.fromiter((t is not None for t in texts), bool, len(texts))
    rows = rows[has_text]
    numbers = entries.add([t for t in texts if t is not None])
    return rows, numbers, spans.doc[rows]


def text_pairs(gold, preds, threshold: float, gold_keep: np.ndarray | None = None,
               pred_keep: np.ndarray | None = None, entries: TextEntries | None = None):
    """(gold index, prediction index, token F1) of every pair of the same document with F1 >= ``threshold``
    (with 0: sharing a token), among the claims ``gold_keep``/``pred_keep`` allow. Unplaced
    claims and claims without text take part in no pair."""
    entries = entries or TextEntries()
    g_rows, g_text, g_doc = _side(gold, gold_keep, entries)
    p_rows, p_text, p_doc = _side(preds, pred_keep, entries)
    flat, first, sizes = entries.table()
    stride = len(entries.ids) + 1

    def keys(text: np.ndarray, doc: np.ndarray):
        n = sizes[text]
        length = n if threshold <= 0 else np.where(n > 0, n - needed(threshold, n) + 1, 0)
        owner, position = _gather(first[text], length)
        return doc[owner] * stride + flat[position], owner

    g_key, g_owner = keys(g_text, g_doc)
    p_key, p_owner = keys(p_text, p_doc)
    order = np.argsort(g_key, kind="stable")
    g_key, g_owner = g_key[order], g_owner[order]
    lo, hi = np.searchsorted(g_key, p_key, "left"), np.searchsorted(g_key, p_key, "right")
    p_at, g_at = _gather(lo, hi - lo)
    width = max(len(p_rows), 1)
    codes = np.unique(g_owner[g_at] * width + p_owner[p_at])
    # texts without tokens agree with each other, in the same document
    g_empty, p_empty = np.flatnonzero(sizes[g_text] == 0), np.flatnonzero(sizes[p_text] == 0)
    if len(g_empty) and len(p_empty):
        same = g_doc[g_empty][:, None] == p_doc[p_empty][None, :]
        a, b = np.nonzero(same)
        codes = np.union1d(codes, g_empty[a] * width + p_empty[b])
    gi, pi = codes // width, codes % width
    sets = entries.sets
    shared = np.fromiter((len(sets[a] & sets[b]) for a, b in zip(g_text[gi].tolist(), p_text[pi].tolist())),
                         np.int64, len(gi))
    total = sizes[g_text[gi]] + sizes[p_text[pi]]
    f1 = np.where(total > 0, 2 * shared / np.maximum(total, 1), 1.0)
    keep = (f1 >= threshold) & (f1 > 0)
    g, p, f1 = g_rows[gi[keep]], p_rows[pi[keep]], f1[keep]
    order = np.lexsort((p, g))
    return g[order], p[order], f1[order]
