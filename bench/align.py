"""Place a claim written as free text (an LLM's wording) at a span of its document.

Normalisation
-------------
Text is compared after NFKC, curly quotes made straight, dashes made ``-``, whitespace runs
collapsed to one space and case folded. ``normalise`` keeps, for every character of the
normalised text, the code-point span of the original it came from, so a match found in
normalised text maps back to original offsets. Tokens are the normalised text split at
spaces with every non-alphanumeric character removed and the articles a, an, the dropped
(the SQuAD answer normalisation); ``token_f1`` is the F1 of two token multisets (as in
SQuAD, two texts without tokens agree).

Alignment, in order
-------------------
1. ``exact`` or ``normalised``: the normalised text occurs in the normalised document,
   starting and ending at word boundaries; the first such occurrence is taken, score 1.0.
   It is ``exact`` when the original text there is the claim's text (stripped) verbatim.
2. ``fuzzy``: the best window of the document by token F1. Windows are sentences
   (split after . ! ? and at line breaks), clauses (sentences split after , ; : and dashes
   and before a conjunction), and runs of two or three consecutive sentences; none is longer
   than ``MAX_WINDOW_TOKENS`` tokens (a longer sentence or clause is cut into overlapping
   pieces, a longer run is not used). A window is trimmed to the stretch between its first
   and last token that occurs in the prediction, then shrunk from either end while that
   raises the F1; its score is the token F1 of that stretch against the prediction. The best
   score wins, ties going to the earliest start, then the shortest span. It is accepted if
   the score is at least the threshold (``ALIGN_THRESHOLD`` = 0.5 unless given).
3. ``unaligned``: nothing reaches the threshold, or the text has no token. The prediction
   keeps ``start = end = -1`` and counts as spurious under every scheme. Its score, for the
   record only, is the best of the windows that could have reached the threshold (0 if none).

Cost. Each document is normalised, tokenised and cut into windows once, in time linear in
its length; windows are indexed by token: an inverted index of (token, k-th occurrence), so that
the entries a window shares with a prediction count their common tokens with repeats. Only
windows that can reach the threshold ``t`` are scored: a stretch sharing ``c`` of the
prediction's ``n`` tokens holds at least ``c`` tokens, so its F1 is at most 2c / (n + c),
and it needs c >= t·n / (2 - t). Such a window holds one of the prediction's
``m - c + 1`` rarest index entries (``m``: its entries found in the document), so only
their postings are read, rarest first (prefix filtering); each better score found raises
the ``c`` a window needs to beat or tie it and shortens that prefix. A prediction whose
rare words place it well thus never reads the long postings of common words. One that
must (its best windows share only common words with it) counts all its entries at once
with numpy and scores windows by decreasing overlap, then position, until 2c / (n + c)
falls below the best score, and at most ``DENSE_LIMIT`` of them. The result is the same as
scoring every window, except for such a prediction with more than ``DENSE_LIMIT`` windows
that might still beat the best: only the ones sharing the most tokens are scored. Window
sizes are bounded, so scoring one is too: placing a prediction costs a bounded number of
window scorings plus vectorised passes over postings and a ``str.find`` over the text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

ALIGN_THRESHOLD = 0.5
MAX_WINDOW_TOKENS = 160
MAX_SENTENCE_RUN = 3
# Postings longer than this are counted with numpy rather than window by window.
DENSE_POSTINGS = 64
# At most this many windows are scored for a prediction that shares only common words.
DENSE_LIMIT = 256

EXACT = "exact"
NORMALISED = "normalised"
FUZZY = "fuzzy"
UNALIGNED = "unaligned"
METHODS: tuple[str, ...] = (EXACT, NORMALISED, FUZZY, UNALIGNED)

ARTICLES = frozenset({"a", "an", "the"})
# Words that open a new clause inside a sentence.
CONJUNCTIONS = frozenset({
    "and", "but", "or", "nor", "yet", "because", "while", "whereas", "although", "though",
    "unless", "that", "which",
})

_STRAIGHT = str.maketrans({
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
})
_CHUNKS = re.compile(r"\s+|\S+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_NOT_ALNUM_OR_SPACE = re.compile(r"[^\w ]+|_+")
_ALNUM = re.compile(r"[^\W_]")
_CLOSERS = "\"')]}"
_SENTENCE_END = frozenset(".!?\u2026")
_CLAUSE_END = frozenset(",;:-")


# ---------------------------------------------------------------- normalisation

@dataclass(frozen=True, slots=True)
class Normalised:
    """Normalised text; character ``i`` came from ``original[start[i]:end[i]]``."""

    text: str
    start: list[int]
    end: list[int]

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original offsets of the normalised characters ``[i, j)`` (j > i)."""
        return self.start[i], self.end[j - 1]


def _fold(piece: str) -> str:
    return unicodedata.normalize("NFKC", piece).translate(_STRAIGHT).casefold()


def normalise(text: str) -> Normalised:
    """``text`` normalised as the module docstring says, with the map back to ``text``."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for chunk in _CHUNKS.finditer(text):
        a, b = chunk.span()
        piece = chunk.group()
        if piece.isspace():
            _space(out, starts, ends, a, b)
        elif piece.isascii():
            out.append(piece.lower())
            starts.extend(range(a, b))
            ends.extend(range(a + 1, b + 1))
        else:
            _fold_clusters(piece, a, out, starts, ends)
    if out and out[-1] == " ":
        out.pop(), starts.pop(), ends.pop()
    return Normalised("".join(out), starts, ends)


def _space(out: list[str], starts: list[int], ends: list[int], a: int, b: int) -> None:
    if not out:
        return
    if out[-1] == " ":
        ends[-1] = b
    else:
        out.append(" ")
        starts.append(a)
        ends.append(b)


def _fold_clusters(piece: str, offset: int, out: list[str], starts: list[int], ends: list[int]) -> None:
    """Fold a chunk one base character (with its combining marks) at a time."""
    i, n = 0, len(piece)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(piece[j]):
            j += 1
        for char in _fold(piece[i:j]):
            if char.isspace():
                _space(out, starts, ends, offset + i, offset + j)
            else:
                out.append(char)
                starts.append(offset + i)
                ends.append(offset + j)
        i = j


# ---------------------------------------------------------------- tokens

# ASCII punctuation and symbols: deleted from a token (whitespace is kept, it separates tokens).
_ASCII_PUNCTUATION = str.maketrans("", "", "".join(chr(c) for c in range(128)
                                                   if not chr(c).isalnum() and not chr(c).isspace()))


def squad_tokens(text: str) -> list[str]:
    """SQuAD-style tokens of ``text``: normalised, punctuation removed, articles dropped."""
    if text.isascii():  # the same tokens as below, in a few C calls
        return [t for t in text.lower().translate(_ASCII_PUNCTUATION).split() if t not in ARTICLES]
    return _words(fold(text))


# Ends each text in a token stream; it is not a token of any text (squad_tokens deletes it).
TEXT_END = "\x00"
_ASCII_PUNCTUATION_BUT_END = {k: v for k, v in _ASCII_PUNCTUATION.items() if k != ord(TEXT_END)}


def _ascii_stream(texts: list[str]) -> list[str]:
    """The tokens of ASCII texts without TEXT_END, each text's followed by TEXT_END, in a few C calls."""
    joined = (TEXT_END.join(texts) + TEXT_END).lower().translate(_ASCII_PUNCTUATION_BUT_END)
    return joined.replace(TEXT_END, f" {TEXT_END} ").split()


def squad_token_stream(texts: list[str]) -> list[str]:
    """The ``squad_tokens`` of every text end to end, each text's followed by ``TEXT_END``.

    Articles may remain in the stream (the caller drops ``ARTICLES``). Runs of ASCII texts are
    tokenised together in a few C calls, which is what makes scoring many claims cheap."""
    stream: list[str] = []
    run: list[str] = []
    for text in texts:
        if text.isascii() and TEXT_END not in text:
            run.append(text)
            continue
        if run:
            stream += _ascii_stream(run)
            run = []
        stream += squad_tokens(text)
        stream.append(TEXT_END)
    if run:
        stream += _ascii_stream(run)
    return stream


def fold(text: str) -> str:
    """``normalise(text).text`` without the map back, which tokens alone do not need."""
    if text.isascii():
        return " ".join(text.lower().split())
    return " ".join(" ".join(map(_fold_chunk, text.split())).split())


def _fold_chunk(chunk: str) -> str:
    if chunk.isascii():
        return chunk.lower()
    if unicodedata.is_normalized("NFKC", chunk):  # then so is every base-and-marks cluster of it
        return chunk.translate(_STRAIGHT).casefold()
    out, i, n = [], 0, len(chunk)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(chunk[j]):
            j += 1
        out.append(_fold(chunk[i:j]))
        i = j
    return "".join(out)


def _words(folded: str) -> list[str]:
    """Tokens of normalised text: each space-separated piece without its non-alphanumerics."""
    return [t for t in _NOT_ALNUM_OR_SPACE.sub("", folded).split(" ") if t and t not in ARTICLES]


def token_f1(a: Sequence[str] | Counter, b: Sequence[str] | Counter) -> float:
    """F1 of two token multisets; as in SQuAD, 1 when both are empty and 0 when one is."""
    a = a if isinstance(a, Counter) else Counter(a)
    b = b if isinstance(b, Counter) else Counter(b)
    if not a or not b:
        return float(not a and not b)
    common = sum((a & b).values())
    return 2 * common / (a.total() + b.total()) if common else 0.0


@dataclass(slots=True)
class Tokens:
    """The tokens of a text with their original offsets and the boundaries after each."""

    words: list[str]
    start: list[int]
    end: list[int]
    sentence_end: list[bool]
    clause_end: list[bool]


def tokenise(text: str) -> Tokens:
    """Tokens as ``squad_tokens`` gives them, each spanning its first to last alphanumeric character."""
    norm = normalise(text)
    tokens = Tokens([], [], [], [], [])
    words, starts, ends, sentence_end, clause_end = (
        tokens.words, tokens.start, tokens.end, tokens.sentence_end, tokens.clause_end)
    position = 0
    for piece in norm.text.split(" "):
        first, last = position, position + len(piece)  # piece is norm.text[first:last]
        position = last + 1
        if not piece:
            continue
        word = _NOT_ALNUM.sub("", piece)
        tail = piece.rstrip(_CLOSERS)[-1:]
        if word and word not in ARTICLES:
            head = _ALNUM.search(piece).start()
            back = _ALNUM.search(piece[::-1]).start()
            if words and word in CONJUNCTIONS:
                clause_end[-1] = True
            words.append(word)
            starts.append(norm.start[first + head])
            ends.append(norm.end[last - 1 - back])
            sentence_end.append(False)
            clause_end.append(False)
        if words:
            if tail in _SENTENCE_END:
                sentence_end[-1] = True
            elif tail in _CLAUSE_END or (not word and any(c in _CLAUSE_END for c in piece)):
                clause_end[-1] = True
        if words and last < len(norm.text) and "\n" in text[norm.end[last - 1]:norm.start[last + 1]]:
            sentence_end[-1] = True
    if words:
        sentence_end[-1] = True
    for k, end in enumerate(sentence_end):
        if end:
            clause_end[k] = True
    return tokens


# ---------------------------------------------------------------- windows

def _pieces(lo: int, hi: int, size: int) -> Iterable[tuple[int, int]]:
    """``[lo, hi)`` itself, or cut into pieces of ``size`` overlapping by half."""
    if hi - lo <= size:
        yield lo, hi
        return
    step = max(size // 2, 1)
    start = lo
    while True:
        yield start, min(start + size, hi)
        if start + size >= hi:
            return
        start += step


def windows(tokens: Tokens, max_tokens: int = MAX_WINDOW_TOKENS) -> list[tuple[int, int]]:
    """Token ranges ``[i, j)`` of sentences, clauses and runs of 2-3 sentences, in text order."""
    sentences, clauses = [], []
    lo = clause_lo = 0
    for k in range(len(tokens.words)):
        if tokens.clause_end[k]:
            clauses.append((clause_lo, k + 1))
            clause_lo = k + 1
        if tokens.sentence_end[k]:
            sentences.append((lo, k + 1))
            lo = k + 1
    found = set()
    for lo, hi in sentences + clauses:
        found.update(_pieces(lo, hi, max_tokens))
    for run in range(2, MAX_SENTENCE_RUN + 1):
        for k in range(len(sentences) - run + 1):
            lo, hi = sentences[k][0], sentences[k + run - 1][1]
            if hi - lo <= max_tokens:
                found.add((lo, hi))
    return sorted(found)


# ---------------------------------------------------------------- alignment

@dataclass(frozen=True, slots=True)
class Alignment:
    """Where a free-text claim was placed: offsets (-1 when unaligned), how, and how well."""

    method: str
    score: float
    start: int = -1
    end: int = -1

    @property
    def aligned(self) -> bool:
        return self.method != UNALIGNED

    def to_dict(self) -> dict:
        return {"method": self.method, "score": self.score, "start": self.start, "end": self.end}


_NOWHERE = Alignment(UNALIGNED, 0.0)


class DocumentIndex:
    """One document prepared for aligning any number of claims to it."""

    def __init__(self, text: str, *, max_window_tokens: int = MAX_WINDOW_TOKENS,
                 dense_limit: int | None = DENSE_LIMIT):
        self.text = text
        self.dense_limit = dense_limit
        self.norm = normalise(text)
        self.tokens = tokenise(text)
        self.windows = windows(self.tokens, max_window_tokens)
        self._window_counts = [Counter(self.tokens.words[lo:hi]) for lo, hi in self.windows]
        postings: dict[tuple[str, int], list[int]] = {}
        for w, counts in enumerate(self._window_counts):
            for word, count in counts.items():
                for k in range(1, count + 1):
                    postings.setdefault((word, k), []).append(w)
        self._postings = {key: np.array(ids, np.int64) for key, ids in postings.items()}

    def align(self, claim_text: str, threshold: float = ALIGN_THRESHOLD) -> Alignment:
        """Place ``claim_text`` in the document (see the module docstring)."""
        needle = claim_text.strip()
        folded = fold(needle)
        words = _words(folded)
        if not words:  # no word to place: punctuation or nothing
            return _NOWHERE
        at = _find_whole(self.norm.text, folded)
        if at >= 0:
            start, end = self.norm.span(at, at + len(folded))
            return Alignment(EXACT if self.text[start:end] == needle else NORMALISED, 1.0, start, end)
        return self._fuzzy(words, threshold)

    def _fuzzy(self, words: list[str], threshold: float) -> Alignment:
        wanted = Counter(words)
        n = len(words)
        postings = self._postings
        # the prediction's (token, k-th occurrence) entries found in the document, rarest first
        present = sorted((len(postings[key]), key) for word, count in wanted.items()
                         for key in ((word, k) for k in range(1, count + 1)) if key in postings)
        need = _overlap_needed(threshold, n)
        best = _Best()
        seen: set[int] = set()
        rank = 0
        while rank < len(present) - need + 1:  # a window sharing `need` entries holds one of these
            size, key = present[rank]
            if size > DENSE_POSTINGS:  # common words from here on: count every window at once
                self._dense(present, wanted, n, need, seen, best)
                break
            for w in postings[key].tolist():
                if w in seen:
                    continue
                seen.add(w)
                counts = self._window_counts[w]
                if sum(min(counts.get(word, 0), count) for word, count in wanted.items()) >= need:
                    self._score(w, wanted, n, best)
                    need = max(need, _overlap_needed(best.alignment.score, n))
            rank += 1
        if best.alignment.score >= threshold:
            return best.alignment
        return Alignment(UNALIGNED, best.alignment.score)

    def _dense(self, present, wanted: Counter, n: int, need: int, seen: set[int], best: _Best) -> None:
        """Score the unseen windows sharing ``need`` entries, by decreasing overlap (then position)."""
        ids, overlap = np.unique(np.concatenate([self._postings[key] for _, key in present]), return_counts=True)
        keep = overlap >= need
        if seen:
            keep &= ~np.isin(ids, np.fromiter(seen, np.int64, len(seen)))
        ids, overlap = ids[keep], overlap[keep]
        order = np.argsort(-overlap, kind="stable")[: self.dense_limit]
        for w, common in zip(ids[order].tolist(), overlap[order].tolist()):
            if 2 * common / (n + common) < best.alignment.score:
                break  # no window left can reach the best score
            self._score(w, wanted, n, best)

    def _score(self, w: int, wanted: Counter, n: int, best: _Best) -> None:
        f1, first, last = _trim(self.tokens.words, *self.windows[w], wanted, n)
        start, end = self.tokens.start[first], self.tokens.end[last]
        key = (-f1, start, end)
        if best.key is None or key < best.key:
            best.key, best.alignment = key, Alignment(FUZZY, f1, start, end)


@dataclass(slots=True)
class _Best:
    """The best window so far: its sort key (-F1, start, end) and its alignment."""

    key: tuple | None = None
    alignment: Alignment = Alignment(UNALIGNED, 0.0)


def _overlap_needed(score: float, n: int) -> int:
    """Fewest tokens a window must share with an n-token prediction to score at least ``score``.

    A stretch sharing c tokens has at least c tokens, so its F1 is at most 2c / (n + c).
    """
    return max(1, math.ceil(score * n / (2 - score) - 1e-9))


def _trim(words: list[str], lo: int, hi: int, wanted: Counter, n: int) -> tuple[float, int, int]:
    """(F1, first, last) of the best stretch ``words[first:last + 1]`` that trimming finds.

    The window is cut to its first and last token that occurs in the prediction, then shrunk
    from either end, to the next such token, while that raises the F1 (a leading or
    trailing token whose occurrences the rest of the stretch already supplies costs no
    overlap). The window shares at least one token with the prediction.
    """
    matches = [k for k in range(lo, hi) if words[k] in wanted]
    inside = Counter(words[k] for k in matches)
    common = sum(min(count, wanted[word]) for word, count in inside.items())
    a, b = 0, len(matches) - 1
    f1 = 2 * common / (n + matches[b] - matches[a] + 1)
    while a < b:
        moves = []
        for side, drop, rest in ((0, matches[a], (matches[a + 1], matches[b])),
                                 (1, matches[b], (matches[a], matches[b - 1]))):
            word = words[drop]
            lost = 1 if inside[word] <= wanted[word] else 0
            moves.append((2 * (common - lost) / (n + rest[1] - rest[0] + 1), -side, lost))
        score, side, lost = max(moves)
        if score <= f1:
            break
        word = words[matches[a] if side == 0 else matches[b]]
        inside[word] -= 1
        common -= lost
        f1 = score
        if side == 0:
            a += 1
        else:
            b -= 1
    return f1, matches[a], matches[b]


def _find_whole(haystack: str, needle: str) -> int:
    """First occurrence of ``needle`` not starting or ending inside a word; -1 if none."""
    check_left, check_right = needle[0].isalnum(), needle[-1].isalnum()
    at = haystack.find(needle)
    while at >= 0:
        end = at + len(needle)
        if not (check_left and at > 0 and haystack[at - 1].isalnum()) and not (
            check_right and end < len(haystack) and haystack[end].isalnum()
        ):
            return at
        at = haystack.find(needle, at + 1)
    return -1


def align(claim_text: str, document_text: str, threshold: float = ALIGN_THRESHOLD) -> Alignment:
    """Place one claim in one document; build a ``DocumentIndex`` to place many."""
    return DocumentIndex(document_text).align(claim_text, threshold)
