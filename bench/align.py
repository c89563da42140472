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

Cost. A document is indexed when a claim first needs it, on arrays and a block of
characters at a time (``fold_and_tokenise``, ``window_arrays``), in time linear in its
length and in memory a small multiple of it: the normalised text (offsets are mapped back
from checkpoints a hundred-odd characters apart, worked out again when a match needs them)
and the tokens (word numbers with offsets and boundaries) in one pass, then, for a fuzzy
match, the windows (two arrays of token ranges). These give what
``normalise``, ``tokenise`` and ``windows`` give, exactly (tested). Windows are indexed by
token: the entries of the inverted index are (token, k-th occurrence), so that the entries a
window shares with a prediction count their common tokens with repeats; the windows holding
a word are found when a prediction first asks for the word (a window holds a token when its
range covers it), and kept for the next. Only
windows that can reach the threshold ``t`` are scored: a stretch sharing ``c`` of the
prediction's ``n`` tokens holds at least ``c`` tokens, so its F1 is at most 2c / (n + c),
and it needs c >= t·n / (2 - t). Such a window holds one of the prediction's
``m - c + 1`` rarest index entries (``m``: its entries found in the document), so only
their postings are read, rarest first (prefix filtering); each better score found raises
the ``c`` a window needs to beat or tie it and shortens that prefix. A prediction whose
rare words place it well thus never scores the windows of common words. One that
must (its best windows share only common words with it) counts all its entries at once
with numpy and scores windows by decreasing overlap, then position, until 2c / (n + c)
falls below the best score, and at most ``DENSE_LIMIT`` of them. The result is the same as
scoring every window, except for such a prediction with more than ``DENSE_LIMIT`` windows
that might still beat the best: only the ones sharing the most tokens are scored. Window
sizes are bounded, so scoring one is too: placing a prediction costs a bounded number of
window scorings plus vectorised passes over the tokens and postings and a ``str.find`` over
the text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import count

import numpy as np

ALIGN_THRESHOLD = 0.5
MAX_WINDOW_TOKENS = 160
MAX_SENTENCE_RUN = 3
# Postings longer than this are counted with numpy rather than window by window.
DENSE_POSTINGS = 64
# At most this many windows are scored for a prediction that shares only common words.
DENSE_LIMIT = 256
# Occurrences of a word looked up at a time, and windows-by-word kept, while finding the windows holding a word.
_OCCURRENCES_AT_ONCE = 1 << 12
_CACHED_WINDOWS = 1 << 20
# Claims placed by scanning the tokens for their words before the tokens are sorted by word once.
_SCANS = 8

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
# Patterns, compiled when first used (by re's own cache): placing free text is not every command's job.
_CHUNKS = r"\s+|\S+"
_NOT_ALNUM = r"[\W_]+"
_NOT_ALNUM_OR_SPACE = r"[^\w ]+|_+"
_ALNUM = r"[^\W_]"
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
    out, starts, ends = _normalise_lists(text)
    if out and out[-1] == " ":
        out.pop(), starts.pop(), ends.pop()
    return Normalised("".join(out), starts, ends)


def _normalise_lists(text: str) -> tuple[list[str], list[int], list[int]]:
    """The characters of ``normalise(text)`` and their maps, before a trailing space is dropped."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for chunk in re.finditer(_CHUNKS, text):
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
    return out, starts, ends


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
    return [t for t in re.sub(_NOT_ALNUM_OR_SPACE, "", folded).split(" ") if t and t not in ARTICLES]


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
        word = re.sub(_NOT_ALNUM, "", piece)
        tail = piece.rstrip(_CLOSERS)[-1:]
        if word and word not in ARTICLES:
            head = re.search(_ALNUM, piece).start()
            back = re.search(_ALNUM, piece[::-1]).start()
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


# ---------------------------------------------------------------- the same, on arrays

# A document is folded and tokenised BLOCK characters at a time (cut where nothing before
# the cut changes what follows: after whitespace, at an ASCII letter or digit), so the
# arrays of a pass stay small whatever the document; each block's map back to the original
# is worked out again when a match inside it needs it, rather than kept.
BLOCK = 1 << 16
# Offsets are mapped back from checkpoints about this many characters apart.
CHECKPOINT = 1 << 7
_CUT = r"\s[0-9A-Za-z]"
_DOUBLE_SPACE = r"\s\s"
# Word numbers: the empty word and the articles are not tokens; the conjunctions come next.
_FIRST_WORDS: tuple[str, ...] = ("", *sorted(ARTICLES), *sorted(CONJUNCTIONS))
_NOT_TOKEN = 1 + len(ARTICLES)
_CONJUNCTION_IDS = (_NOT_TOKEN, _NOT_TOKEN + len(CONJUNCTIONS))
_ASCII = [chr(c) for c in range(128)]
_ASCII_SPACE = np.array([c.isspace() for c in _ASCII])
_ASCII_ALNUM = np.array([c.isalnum() for c in _ASCII])
_ASCII_FOLD = np.array([ord(c.lower()) for c in _ASCII], np.int64)
_CLOSER, _SENTENCE, _CLAUSE = 1, 2, 4
_ASCII_CLASS = np.array([_CLOSER * (c in _CLOSERS) | _SENTENCE * (c in _SENTENCE_END) | _CLAUSE * (c in _CLAUSE_END)
                         for c in _ASCII], np.uint8)
_OTHER_CLASS = {ord(c): _CLOSER * (c in _CLOSERS) | _SENTENCE * (c in _SENTENCE_END) | _CLAUSE * (c in _CLAUSE_END)
                for c in _CLOSERS + "".join(_SENTENCE_END) + "".join(_CLAUSE_END) if ord(c) > 127}
_ASCII_CUT = np.array([c.isascii() and c.isalnum() for c in _ASCII])  # a block may start at one after whitespace


def _by_char(codes: np.ndarray, ascii_table: np.ndarray, of_char) -> np.ndarray:
    """A property of each code point: from the table below 128, from ``of_char`` (once per distinct character) above."""
    out = ascii_table[np.minimum(codes, 127)]
    high = np.flatnonzero(codes > 127)
    if len(high):
        distinct = _distinct(codes[high])[0]
        values = np.array([of_char(chr(c)) for c in distinct.tolist()], out.dtype)
        out[high] = values[np.searchsorted(distinct, codes[high])]
    return out


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_counts=True)``, by one sort."""
    ordered = np.sort(values)
    if not len(ordered):
        return ordered, np.zeros(0, np.int64)
    changes = np.empty(len(ordered), bool)
    changes[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=changes[1:])
    first = np.flatnonzero(changes)
    return ordered[first], np.diff(first, append=len(ordered))


def _char_class(codes: np.ndarray) -> np.ndarray:
    """Which of closer, sentence end, clause end each character is (bits)."""
    found = _ASCII_CLASS[np.minimum(codes, 127)] * (codes < 128)
    for code, bits in _OTHER_CLASS.items():
        found[codes == code] = bits
    return found


def _single_fold(char: str) -> int:
    """The code point a character folds to on its own, or -1 when it folds to several, none or a space."""
    folded = _fold(char)
    return ord(folded) if len(folded) == 1 and not folded.isspace() else -1


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.int64)


def _text(codes: np.ndarray) -> str:
    if not len(codes) or codes.max() < 128:
        return codes.astype(np.uint8).tobytes().decode("ascii")
    return codes.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")


def fold_arrays(text: str, codes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What ``normalise`` gives before it drops a trailing space, on arrays: (code points, start, end).

    Whitespace runs, characters that fold to one character and characters with their
    combining marks (clusters) are worked out together; only a cluster that folds to several
    characters or none is folded one by one, and a text where one folds to a space (rare:
    spacing accents) goes through ``normalise``'s own loop.
    """
    codes = _codes(text) if codes is None else codes
    n = len(codes)
    if not n:
        return codes, codes, codes
    if text.isascii():
        space = _ASCII_SPACE[codes]
        combining = np.zeros(n, bool)
        single = _ASCII_FOLD[codes]
    else:
        space = _by_char(codes, _ASCII_SPACE, str.isspace)
        combining = _by_char(codes, np.zeros(128, bool), lambda c: unicodedata.combining(c) != 0)
        single = _by_char(codes, _ASCII_FOLD, _single_fold)
    after_space = np.r_[True, space[:-1]]
    # a unit is a whitespace run or a cluster (a character and the combining marks after it)
    unit = np.flatnonzero((space & ~np.r_[False, space[:-1]]) | (~space & (~combining | after_space)))
    unit_end = np.r_[unit[1:], n]
    blank = space[unit]
    simple = ~blank & (unit_end - unit == 1) & (single[unit] >= 0)
    count = simple.astype(np.int64)
    folded = {}
    for u in np.flatnonzero(~blank & ~simple).tolist():
        chars = _fold(text[unit[u]:unit_end[u]])
        if any(c.isspace() for c in chars):
            out, starts, ends = _normalise_lists(text)
            return _codes("".join(out)), np.array(starts, np.int64), np.array(ends, np.int64)
        folded[u] = chars
        count[u] = len(chars)
    before = np.cumsum(count) - count
    count[blank] = before[blank] > 0  # a whitespace run is a space once something came before it
    first = np.cumsum(count) - count
    out = np.empty(int(count.sum()), np.int64)
    one = count == 1
    out[first[one]] = np.where(blank[one], 32, single[unit[one]])
    for u, chars in folded.items():
        out[first[u]:first[u] + len(chars)] = [ord(c) for c in chars]
    return out, np.repeat(unit, count), np.repeat(unit_end, count)


def _blocks(text: str, size: int) -> list[int]:
    """Where the blocks of ``text`` start: 0, then about every ``size`` characters a cut point."""
    starts, at = [0], size
    while at < len(text):
        cut = re.compile(_CUT).search(text, at)
        if cut is None:
            break
        starts.append(cut.start() + 1)
        at = cut.start() + 1 + size
    return starts


class _Grown:
    """A 1-d array filled by appending chunks; it grows and finally shrinks in place (``realloc``)."""

    def __init__(self, dtype):
        self.data, self.size = np.empty(1 << 16, dtype), 0

    def extend(self, values: np.ndarray) -> None:
        end = self.size + len(values)
        if end > len(self.data):
            self.data.resize(max(end, len(self.data) + len(self.data) // 2), refcheck=False)
        self.data[self.size:end] = values
        self.size = end

    def array(self) -> np.ndarray:
        self.data.resize(self.size, refcheck=False)
        return self.data


@dataclass(slots=True)
class Folded:
    """A document's normalised text, a block at a time; offsets are mapped back on demand, from checkpoints."""

    parts: tuple[str, ...]
    part_at: np.ndarray  # where each part starts in the normalised text
    source: str
    checkpoint: np.ndarray  # cut points, in the original
    checkpoint_at: np.ndarray  # where each one's characters begin in the normalised text

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def __len__(self) -> int:
        return int(self.part_at[-1]) + len(self.parts[-1]) if self.parts else 0

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original offsets of the normalised characters ``[i, j)`` (j > i), as ``Normalised.span``."""
        return self._map(i, 0), self._map(j - 1, 1)

    def _map(self, i: int, side: int) -> int:
        b = int(np.searchsorted(self.checkpoint_at, i, "right")) - 1
        lo = int(self.checkpoint[b])
        hi = int(self.checkpoint[b + 1]) if b + 1 < len(self.checkpoint) else len(self.source)
        k = i - int(self.checkpoint_at[b])
        piece = self.source[lo:hi]
        if piece.isascii() and not piece[:1].isspace() and re.search(_DOUBLE_SPACE, piece) is None:  # one for one
            return lo + k + side
        return lo + _normalise_lists(piece)[1 + side][k]

    def _char(self, i: int) -> str:
        k = int(np.searchsorted(self.part_at, i, "right")) - 1
        while i - int(self.part_at[k]) >= len(self.parts[k]):  # past empty parts
            k += 1
        return self.parts[k][i - int(self.part_at[k])]

    def find_whole(self, needle: str) -> int:
        """``_find_whole`` over the whole normalised text, part by part (the parts are never joined)."""
        size, parts = len(self), self.parts
        check_left, check_right = needle[0].isalnum(), needle[-1].isalnum()

        def whole(at: int) -> bool:
            end = at + len(needle)
            return not (check_left and at > 0 and self._char(at - 1).isalnum()) and not (
                check_right and end < size and self._char(end).isalnum())

        for k, part in enumerate(parts):
            base = int(self.part_at[k])
            at = part.find(needle)
            while at >= 0:
                if whole(base + at):
                    return base + at
                at = part.find(needle, at + 1)
            if len(needle) > 1 and part:  # occurrences that start in this part and end in a later one
                head = part[-(len(needle) - 1):]
                after, j = [], k + 1
                while sum(map(len, after)) < len(needle) - 1 and j < len(parts):
                    after.append(parts[j][:len(needle) - 1])
                    j += 1
                junction = head + "".join(after)
                at = junction.find(needle)
                while 0 <= at < len(head):
                    if whole(base + len(part) - len(head) + at):
                        return base + len(part) - len(head) + at
                    at = junction.find(needle, at + 1)
        return -1


@dataclass(slots=True)
class TokenArrays:
    """``tokenise``'s tokens on arrays: word numbers (``vocabulary`` gives each word's), offsets, boundaries.

    A token ends ``width`` characters after its start; a token of ``LONG`` characters or more
    has its end in ``long_end`` instead (rare: the width fits a byte otherwise)."""

    ids: np.ndarray
    start: np.ndarray
    width: np.ndarray
    long_end: dict[int, int]
    sentence_end: np.ndarray
    clause_end: np.ndarray
    vocabulary: dict[str, int]

    LONG = 255

    def end(self, k: int) -> int:
        width = int(self.width[k])
        return self.long_end[k] if width == self.LONG else int(self.start[k]) + width

    def tokens(self) -> Tokens:
        words = list(self.vocabulary)
        return Tokens([words[k] for k in self.ids.tolist()], self.start.tolist(),
                      [self.end(k) for k in range(len(self.ids))],
                      self.sentence_end.tolist(), self.clause_end.tolist())


def fold_and_tokenise(text: str, block: int = BLOCK, checkpoint: int = CHECKPOINT) -> tuple[Folded, TokenArrays]:
    """``normalise(text).text`` (with its map back, as ``Folded``) and ``tokenise(text)``, on arrays,
    a block at a time."""
    vocabulary: defaultdict[str, int] = defaultdict(count().__next__)
    for word in _FIRST_WORDS:
        vocabulary[word]
    number = vocabulary.__getitem__
    offset_type = np.int32 if len(text) < 2**31 - 1 else np.int64
    ids, starts, widths, long_end = _Grown(np.int32), _Grown(offset_type), _Grown(np.uint8), {}
    sentence_end, clause_end = _Grown(bool), _Grown(bool)
    block_start = _blocks(text, block)
    checkpoints, checkpoint_at, parts, part_at, at = _Grown(np.int64), _Grown(np.int64), [], [], 0
    for b, lo in enumerate(block_start):
        last = b + 1 == len(block_start)
        hi = len(text) if last else block_start[b + 1]
        source = text[lo:hi]
        codes = _codes(source)
        out, start, end = fold_arrays(source, codes)
        if last and len(out) and out[-1] == 32:
            out, start, end = out[:-1], start[:-1], end[:-1]
        # checkpoints: cut points about `checkpoint` apart (a cut point's character is the first it gives)
        cuts = np.flatnonzero(_ASCII_CUT[np.minimum(codes[1:], 127)] & _ASCII_SPACE[np.minimum(codes[:-1], 127)]
                              & (codes[1:] < 128) & (codes[:-1] < 128)) + 1
        if len(cuts):
            cuts = np.unique(cuts[np.minimum(np.searchsorted(cuts, np.arange(checkpoint, len(codes), checkpoint)),
                                             len(cuts) - 1)])
        inside = np.r_[0, cuts].astype(np.int64)
        checkpoints.extend(lo + inside)
        checkpoint_at.extend(at + np.searchsorted(start, inside))
        part_at.append(at)
        at += len(out)
        parts.append(_text(out))
        _tokenise_block(codes, out, start, end, number, lo, ids, starts, (widths, long_end), sentence_end, clause_end)
    if sentence_end.size:
        sentence_end.data[sentence_end.size - 1] = True
    sentence, clause = sentence_end.array(), clause_end.array()
    clause |= sentence
    folded = Folded(tuple(parts), np.array(part_at, np.int64), text, checkpoints.array(), checkpoint_at.array())
    return folded, TokenArrays(ids.array(), starts.array(), widths.array(), long_end, sentence, clause,
                               dict(vocabulary))


def _tokenise_block(source: np.ndarray, out, start, end, number, offset: int,
                    ids, starts, ends: tuple[_Grown, dict[int, int]], sentence_end, clause_end) -> None:
    """Append the tokens of one block (``tokenise``'s loop, on arrays) and mark the boundaries they make."""
    space = out == 32
    piece = np.flatnonzero(~space & np.r_[True, space[:-1]])
    piece_end = np.flatnonzero(~space & np.r_[space[1:], True]) + 1
    n = len(piece)
    if not n:
        return
    alnum = _by_char(out, _ASCII_ALNUM, str.isalnum)
    kept = out[alnum | space]
    words = _text(kept).split(" ", n)[:n] if len(kept) else [""] * n
    word = np.fromiter(map(number, words), np.int32, n)
    token = word >= _NOT_TOKEN
    owner = np.cumsum(space) - space  # the piece each character is in (spaces: the one before them)
    letters = np.flatnonzero(alnum)
    letter_owner = owner[letters]
    first_letter = np.r_[True, letter_owner[1:] != letter_owner[:-1]] if len(letters) else np.zeros(0, bool)
    last_letter = np.r_[letter_owner[1:] != letter_owner[:-1], True] if len(letters) else np.zeros(0, bool)
    head, back = np.zeros(n, np.int64), np.zeros(n, np.int64)
    head[letter_owner[first_letter]] = letters[first_letter]
    back[letter_owner[last_letter]] = letters[last_letter]
    has_word = np.zeros(n, bool)
    has_word[letter_owner] = True
    kind = _char_class(out)
    # the last character of each piece that is not a closing quote or bracket
    open_chars = np.flatnonzero(~space & (kind & _CLOSER == 0))
    open_owner = owner[open_chars]
    last_open = np.r_[open_owner[1:] != open_owner[:-1], True] if len(open_chars) else np.zeros(0, bool)
    tail = np.zeros(n, np.uint8)
    tail[open_owner[last_open]] = kind[open_chars[last_open]]
    clause_chars = np.zeros(n, bool)
    clause_chars[owner[np.flatnonzero(kind & _CLAUSE)]] = True
    sentence_mark = tail & _SENTENCE > 0
    clause_mark = ~sentence_mark & ((tail & _CLAUSE > 0) | (~has_word & clause_chars))
    # a line break between a piece and the next (not after the document's last piece)
    newline = np.zeros(n, bool)
    following = piece_end < len(out)
    if following.any():
        breaks = np.r_[0, np.cumsum(source == 10)]
        gap_start = end[piece_end[following] - 1]
        after = piece_end[following] + 1
        gap_end = np.where(after < len(out), start[np.minimum(after, len(out) - 1)], len(source))
        newline[following] = breaks[gap_end] - breaks[gap_start] > 0
    before = sentence_end.size  # tokens of earlier blocks
    latest = before + np.cumsum(token) - 1  # the last token at or before each piece; -1: none yet
    sentence = np.zeros(int(token.sum()) + 1, bool)  # slot 0: the last token of an earlier block
    clause = np.zeros(len(sentence), bool)
    base = before - 1
    on = latest >= 0
    sentence[latest[on & (sentence_mark | newline)] - base] = True
    clause[latest[on & clause_mark] - base] = True
    conjunction = token & (word >= _CONJUNCTION_IDS[0]) & (word < _CONJUNCTION_IDS[1]) & (latest >= 1)
    clause[latest[conjunction] - 1 - base] = True
    if before and (sentence[0] or clause[0]):
        sentence_end.data[before - 1] |= sentence[0]
        clause_end.data[before - 1] |= clause[0]
    ids.extend(word[token])
    starts.extend(start[head[token]] + offset)
    widths, long_end = ends
    width = end[back[token]] - start[head[token]]
    for k in np.flatnonzero(width >= TokenArrays.LONG).tolist():
        long_end[before + k] = int(end[back[token]][k]) + offset
    widths.extend(np.minimum(width, TokenArrays.LONG))
    sentence_end.extend(sentence[1:])
    clause_end.extend(clause[1:])


def window_arrays(sentence_end: np.ndarray, clause_end: np.ndarray,
                  max_tokens: int = MAX_WINDOW_TOKENS) -> tuple[np.ndarray, np.ndarray]:
    """``windows`` on arrays: (lo, hi) of every window, sorted as ``windows`` sorts them."""
    n = len(sentence_end)
    small = np.int32 if n < 2**31 - 1 else np.int64
    s_hi = (np.flatnonzero(sentence_end) + 1).astype(small)
    c_hi = (np.flatnonzero(clause_end) + 1).astype(small)
    s_lo, c_lo = np.r_[small(0), s_hi[:-1]], np.r_[small(0), c_hi[:-1]]
    # every window as one number, lo * (n + 1) + hi, written into one array
    codes, size = np.empty(2 * len(s_hi) + len(c_hi) + MAX_SENTENCE_RUN * len(s_hi), np.int64), 0

    def add(lo: np.ndarray, hi: np.ndarray) -> None:
        nonlocal codes, size
        if size + len(lo) > len(codes):
            codes.resize(size + len(lo), refcheck=False)
        part = codes[size:size + len(lo)]
        np.multiply(lo, n + 1, out=part, dtype=np.int64)
        part += hi
        size += len(lo)

    step = max(max_tokens // 2, 1)
    for lo, hi in ((s_lo, s_hi), (c_lo, c_hi)):
        long = hi - lo > max_tokens
        add(lo[~long], hi[~long])
        lo, hi = lo[long].astype(np.int64), hi[long].astype(np.int64)
        pieces = -(-(hi - lo - max_tokens) // step) + 1  # see _pieces
        owner = np.repeat(np.arange(len(pieces)), pieces)
        piece_lo = lo[owner] + (np.arange(len(owner)) - np.repeat(np.cumsum(pieces) - pieces, pieces)) * step
        add(piece_lo, np.minimum(piece_lo + max_tokens, hi[owner]))
    for run in range(2, MAX_SENTENCE_RUN + 1):
        lo, hi = s_lo[:len(s_lo) - run + 1], s_hi[run - 1:]
        fits = hi - lo <= max_tokens
        add(lo[fits], hi[fits])
    codes = codes[:size]
    codes.sort()
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]] if size else codes
    return (codes // (n + 1)).astype(small), (codes % (n + 1)).astype(small)


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
    """One document prepared for aligning any number of claims to it.

    Work is done when a claim first needs it: the normalised text and the tokens, in one pass
    (for any claim), then the windows (for a fuzzy match), then, word by word, the windows
    holding each of the claim's words. Everything is kept on arrays, so the index is a small
    multiple of the document's size.
    """

    def __init__(self, text: str, *, max_window_tokens: int = MAX_WINDOW_TOKENS,
                 dense_limit: int | None = DENSE_LIMIT):
        self.text = text
        self.max_window_tokens = max_window_tokens
        self.dense_limit = dense_limit
        self._folded: Folded | None = None
        self._tokens: TokenArrays | None = None
        self._windows: tuple[np.ndarray, np.ndarray] | None = None
        self._holding: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._lookups = 0
        self._occurrences: tuple[np.ndarray, np.ndarray] | None = None
        self._cached = 0

    # -- what is built on demand

    @property
    def norm(self) -> Folded:
        """The normalised text, whose ``span`` maps back to the original."""
        if self._folded is None:
            self._folded, self._tokens = fold_and_tokenise(self.text)
        return self._folded

    @property
    def token_arrays(self) -> TokenArrays:
        if self._tokens is None:
            self._folded, self._tokens = fold_and_tokenise(self.text)
        return self._tokens

    @property
    def window_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._windows is None:
            tokens = self.token_arrays
            self._windows = window_arrays(tokens.sentence_end, tokens.clause_end, self.max_window_tokens)
        return self._windows

    @cached_property
    def tokens(self) -> Tokens:
        """The tokens as ``tokenise`` gives them (lists: for inspection, not used to align)."""
        return self.token_arrays.tokens()

    @cached_property
    def windows(self) -> list[tuple[int, int]]:
        """The windows as ``windows`` gives them (a list: for inspection, not used to align)."""
        lo, hi = self.window_arrays
        return list(zip(lo.tolist(), hi.tolist()))

    def _containing(self, words: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each word (by number), the windows holding it (increasing) and how often each holds it.

        Kept for the next claims, up to ``_CACHED_WINDOWS`` windows in all."""
        found = {w: self._holding[w] for w in words if w in self._holding}
        missing = [w for w in dict.fromkeys(words) if w not in found]
        if missing:
            found.update(zip(missing, self._find_holding(missing)))
            added = sum(len(found[w][0]) for w in missing)
            if self._cached + added > _CACHED_WINDOWS:
                self._holding.clear()
                self._cached = 0
            if added <= _CACHED_WINDOWS:
                self._holding.update((w, found[w]) for w in missing)
                self._cached += added
        return [found[w] for w in words]

    def _find_holding(self, words: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        """The windows holding each of ``words`` and how often, from one pass over the tokens."""
        ids = self._tokens.ids
        self._lookups += 1
        if self._occurrences is None and self._lookups > _SCANS:  # many claims: sort the tokens by word once
            order = np.argsort(ids, kind="stable").astype(ids.dtype)
            self._occurrences = order, np.r_[0, np.cumsum(np.bincount(ids, minlength=len(self._tokens.vocabulary)))]
        if self._occurrences is not None:
            order, bounds = self._occurrences
            occurrences = [order[bounds[w]:bounds[w + 1]].astype(np.int64) for w in words]
        else:  # a few claims: one pass over the tokens finds every occurrence of the words
            wanted = np.zeros(len(self._tokens.vocabulary), bool)
            wanted[words] = True
            at = np.flatnonzero(wanted[ids])
            slot = np.zeros(len(wanted), np.int64)
            slot[words] = np.arange(len(words))
            which = slot[ids[at]]
            occurrences = [at[which == k] for k in range(len(words))]
        lo, hi = self._windows
        reach = int((hi - lo).max()) if len(lo) else 0
        result = []
        for mine in occurrences:
            found = []
            for chunk in range(0, len(mine), _OCCURRENCES_AT_ONCE):  # a window holds a token if lo <= p < hi
                p = mine[chunk:chunk + _OCCURRENCES_AT_ONCE]
                start = np.searchsorted(lo, p - reach + 1, "left")
                owner, window = _ranges(start, np.searchsorted(lo, p, "right") - start)
                found.append(window[hi[window] > p[owner]].astype(lo.dtype))
            holding, times = _distinct(np.concatenate(found) if found else np.zeros(0, lo.dtype))
            result.append((holding, times.astype(lo.dtype)))
        return result

    # -- placing a claim

    def align(self, claim_text: str, threshold: float = ALIGN_THRESHOLD) -> Alignment:
        """Place ``claim_text`` in the document (see the module docstring)."""
        needle = claim_text.strip()
        folded = fold(needle)
        words = _words(folded)
        if not words:  # no word to place: punctuation or nothing
            return _NOWHERE
        norm = self.norm
        at = norm.find_whole(folded)
        if at >= 0:
            start, end = norm.span(at, at + len(folded))
            return Alignment(EXACT if self.text[start:end] == needle else NORMALISED, 1.0, start, end)
        return self._fuzzy(words, threshold)

    def _fuzzy(self, words: list[str], threshold: float) -> Alignment:
        n = len(words)
        vocabulary = self.token_arrays.vocabulary
        self.window_arrays  # built before the helpers below read them
        wanted: Counter = Counter()  # the prediction's words found in the document, by number
        postings: dict[tuple[str, int], np.ndarray] = {}
        found = {word: (vocabulary[word], count) for word, count in Counter(words).items() if word in vocabulary}
        holdings = self._containing([number for number, _ in found.values()])
        for (word, (number, count)), (holding, times) in zip(found.items(), holdings):
            wanted[number] = count
            for k in range(1, count + 1):
                posting = holding if k == 1 else holding[times >= k]  # every window holds the word once
                if len(posting):
                    postings[word, k] = posting
        # the prediction's (token, k-th occurrence) entries found in the document, rarest first
        present = sorted((len(posting), key) for key, posting in postings.items())
        need = _overlap_needed(threshold, n)
        best = _Best()
        seen: set[int] = set()
        shared = self._shared(present, postings, need, [(h, t, wanted[number]) for (number, _), (h, t)
                                                         in zip(found.values(), holdings)])
        rank = 0
        while rank < len(present) - need + 1:  # a window sharing `need` entries holds one of these
            size, key = present[rank]
            if size > DENSE_POSTINGS:  # common words from here on: count every window at once
                self._dense(present, postings, wanted, n, need, seen, best)
                break
            for w in postings[key].tolist():
                if w in seen:
                    continue
                seen.add(w)
                if shared[w] >= need:
                    self._score(w, wanted, n, best)
                    need = max(need, _overlap_needed(best.alignment.score, n))
            rank += 1
        if best.alignment.score >= threshold:
            return best.alignment
        return Alignment(UNALIGNED, best.alignment.score)

    def _dense(self, present, postings, wanted: Counter, n: int, need: int, seen: set[int], best: _Best) -> None:
        """Score the unseen windows sharing ``need`` entries, by decreasing overlap (then position)."""
        ids, overlap = _distinct(np.concatenate([postings[key] for _, key in present]))
        keep = overlap >= need
        if seen:
            keep &= ~np.isin(ids, np.fromiter(seen, np.int64, len(seen)))
        ids, overlap = ids[keep], overlap[keep]
        order = np.argsort(-overlap, kind="stable")[: self.dense_limit]
        for w, common in zip(ids[order].tolist(), overlap[order].tolist()):
            if 2 * common / (n + common) < best.alignment.score:
                break  # no window left can reach the best score
            self._score(w, wanted, n, best)

    def _window_words(self, w: int) -> tuple[int, list[int]]:
        lo, hi = self._windows
        start = int(lo[w])
        return start, self._tokens.ids[start:int(hi[w])].tolist()

    @staticmethod
    def _shared(present, postings, need: int, holdings) -> dict[int, int]:
        """How many (token, k-th occurrence) entries each window of the short postings the search may
        read shares with the prediction, from the windows holding each of its words."""
        short = [postings[key] for size, key in present[:max(len(present) - need + 1, 0)] if size <= DENSE_POSTINGS]
        if not short:
            return {}
        windows = _distinct(np.concatenate(short))[0]
        shared = np.zeros(len(windows), np.int64)
        for holding, times, count in holdings:
            if not len(holding):
                continue
            at = np.minimum(np.searchsorted(holding, windows), len(holding) - 1)
            hit = holding[at] == windows
            shared += np.where(hit, np.minimum(times[at], count), 0)
        return dict(zip(windows.tolist(), shared.tolist()))

    def _score(self, w: int, wanted: Counter, n: int, best: _Best) -> None:
        offset, words = self._window_words(w)
        f1, first, last = _trim(words, 0, len(words), wanted, n)
        tokens = self._tokens
        start, end = int(tokens.start[offset + first]), tokens.end(offset + last)
        key = (-f1, start, end)
        if best.key is None or key < best.key:
            best.key, best.alignment = key, Alignment(FUZZY, f1, start, end)


def _ranges(first: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) of every position in the ranges [first[i], first[i] + lengths[i])."""
    owner = np.repeat(np.arange(len(first)), lengths)
    return owner, np.arange(len(owner)) + np.repeat(first - (np.cumsum(lengths) - lengths), lengths)


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
