"""Sentence and clause segmentation and boilerplate filtering, shared by every baseline.

Everything works on offsets into the original article, so each segment maps back to an
exact span. Patterns run on a *masked* copy of the text that has the same length: markdown
link syntax, angle-bracket URLs and heading marks are blanked and curly apostrophes become
straight ones, so ``Smith [told](#) Jones`` reads as ``Smith  told      Jones`` while every
offset still points into the article as published.

The word lists here are general English (auxiliaries, common irregular verbs, reporting
and stance verbs); nothing in them is specific to any article.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# ---------------------------------------------------------------- word classes


def inflect(*lemmas: str) -> frozenset[str]:
    """A regular verb's forms (base, -s, -ed, -ing), good enough for matching news prose."""
    forms: set[str] = set()
    for lemma in lemmas:
        forms.add(lemma)
        if lemma.endswith("e"):
            forms |= {lemma + "s", lemma + "d", lemma[:-1] + "ing"}
        elif lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
            forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
        elif lemma.endswith(("s", "sh", "ch", "x")):
            forms |= {lemma + "es", lemma + "ed", lemma + "ing"}
        else:
            forms |= {lemma + "s", lemma + "ed", lemma + "ing"}
    return frozenset(forms)


FINITE_AUX = frozenset({
    "is", "are", "was", "were", "am", "has", "have", "had", "do", "does", "did",
    "will", "would", "shall", "should", "can", "could", "may", "might", "must",
    "won't", "wouldn't", "can't", "cannot", "couldn't", "don't", "doesn't", "didn't", "isn't",
    "aren't", "wasn't", "weren't", "hasn't", "haven't", "hadn't", "shouldn't", "mustn't",
})
IRREGULAR_VERBS = frozenset({
    "arose", "ate", "beat", "bled", "blew", "broke", "built", "burnt", "clung", "dealt", "dug",
    "drank", "fed", "flew", "forbade", "forgot", "forgave", "froze", "hung", "hid", "laid", "lent",
    "rang", "rode", "sank", "sang", "shook", "shone", "shrank", "slept", "slid", "sped", "spun",
    "sprang", "stole", "stuck", "stung", "swore", "swept", "swam", "swung", "tore", "woke", "wore",
    "wept", "withdrew", "overtook", "undertook", "upheld", "withheld", "sold", "bore", "bit",
    "began", "became", "brought", "bought", "came", "caught", "chose", "drew", "drove", "fell",
    "felt", "fled", "fought", "found", "gave", "got", "went", "grew", "held", "kept", "knew",
    "led", "left", "lost", "made", "meant", "met", "paid", "ran", "rose", "said", "saw", "sent",
    "shot", "showed", "spoke", "spent", "stood", "struck", "took", "taught", "told", "thought",
    "threw", "understood", "won", "wrote", "sought", "says", "tells", "gets", "goes", "put", "puts", "shut",
})
REPORT_VERBS = inflect(
    "say", "add", "announce", "claim", "state", "stress", "emphasize", "emphasise", "note",
    "report", "acknowledge", "insist", "explain", "confirm", "indicate", "allege", "argue",
    "tweet", "declare", "assert", "reveal", "warn", "accuse", "inform", "assure", "recall",
    "suggest", "concede", "estimate",
) | frozenset({"said", "told", "tell", "tells", "telling", "wrote", "write", "writes", "writing",
               "admit", "admits", "admitted", "admitting"})
BELIEF_VERBS = inflect("believe", "expect", "hope", "fear", "predict", "forecast", "anticipate") | frozenset(
    {"think", "thinks", "thought", "thinking"})
# Verbs whose object is a party's stance: the verb belongs to the claim, never to a frame.
STANCE_VERBS = inflect(
    "demand", "urge", "refuse", "reject", "decline", "propose", "guarantee", "vow", "pledge",
    "promise", "threaten", "oppose", "veto", "request", "appeal", "want", "portray", "commit",
    "intend", "agree", "insist", "present", "describe", "label",
) | frozenset({"offered", "offering", "ordered", "ordering", "forbade", "forbid", "forbids"})
PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i", "you"})
POSSESSIVES = frozenset({"his", "her", "its", "their", "our", "my", "your"})
DETERMINERS = frozenset({
    "the", "a", "an", "this", "that", "these", "those", "some", "any", "each", "every", "no",
    "all", "both", "several", "many", "most", "few", "other", "another",
}) | POSSESSIVES
PREPOSITIONS = frozenset({
    "of", "in", "on", "at", "to", "for", "from", "with", "by", "about", "after", "before",
    "during", "since", "under", "over", "into", "through", "between", "against", "among",
    "without", "within", "despite", "amid", "towards", "toward", "as", "like", "near", "off",
    "out", "up", "down", "around", "across", "behind", "beyond", "upon",
})
FUNCTION_WORDS = DETERMINERS | PREPOSITIONS | PRONOUNS | frozenset({
    "and", "or", "but", "nor", "so", "yet", "that", "which", "who", "whom", "whose", "where",
    "when", "while", "if", "than", "not", "there", "here", "also", "only", "even", "just",
    "them", "him", "us", "me",
})
OBJECT_PRONOUNS = frozenset({"them", "him", "us", "me"})
SUBORDINATORS = frozenset({"that", "which", "who", "whom", "whose", "where", "when", "to", "because", "if",
                           "what", "how", "why", "whether"})
# Participles that start a modifier, never a clause of their own.
NON_CLAUSE_ING = frozenset({
    "including", "according", "regarding", "concerning", "following", "excluding", "during",
    "notwithstanding", "pending", "considering", "depending", "totaling", "totalling",
    "amounting", "bring", "nothing", "something", "anything", "everything", "morning",
    "evening", "building", "meeting", "fighting", "shelling", "bombing", "funding",
    "spring", "thing", "king", "ring", "string", "wing", "ceiling", "training",
})
MONTHS = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec",
})
WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "lt", "col", "sgt", "capt", "gov", "sen",
    "rep", "jr", "sr", "no", "inc", "ltd", "co", "corp", "vs", "etc", "u.s", "u.k", "u.n",
    "e.u", "a.m", "p.m", "approx", "est",
})

# ---------------------------------------------------------------- masking and tokens

_MD_LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\n]*)\)")
_ANGLE_URL = re.compile(r"<https?://[^>\s]*>")
_HEADING = re.compile(r"(?m)^[ \t]*#{1,6}[ \t]")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


def mask(text: str) -> str:
    """A same-length copy of ``text`` with markup blanked (see module docstring)."""
    chars = list(text)

    def blank(a: int, b: int) -> None:
        chars[a:b] = " " * (b - a)

    for m in _MD_LINK.finditer(text):
        blank(m.start(), m.start() + 1)
        blank(m.end(1), m.end())
    for m in _ANGLE_URL.finditer(text):
        blank(m.start(), m.end())
    for m in _HEADING.finditer(text):
        blank(m.start(), m.end())
    return "".join(chars).translate(_APOSTROPHES)


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def capitalized(self) -> bool:
        return self.text[:1].isupper()


_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*%?|[^\W\d_][\w]*(?:['\-][\w]+)*'?")


def tokens(masked: str, start: int = 0, end: int | None = None) -> list[Token]:
    end = len(masked) if end is None else end
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(masked, start, end)]


def words(text: str) -> list[str]:
    return [m.group().lower() for m in _TOKEN.finditer(text)]


def is_verb_cue(toks: list[Token], i: int, *, caps: bool = False) -> bool:
    """Whether token ``i`` looks like a finite verb (cheap, no tagger)."""
    tok = toks[i]
    low = tok.lower
    if tok.capitalized and not caps and i > 0:
        return False  # a name ("May 16", "Will Smith"), not a verb
    if low == "am" and i > 0 and toks[i - 1].text[:1].isdigit():
        return False  # "8am", a time
    if low in FINITE_AUX or low in IRREGULAR_VERBS or low in REPORT_VERBS or low in BELIEF_VERBS:
        return not low.endswith("ing")
    if low in STANCE_VERBS and not low.endswith("ing") or _CONTRACTED.fullmatch(low):
        return True
    nxt = toks[i + 1].lower if i + 1 < len(toks) else ""
    if low.endswith("ed") and len(low) > 4:
        return _verbal_participle(toks, i)
    if nxt in OBJECT_PRONOUNS and low not in FUNCTION_WORDS and not low.endswith("ing"):
        return True
    if low.endswith("s") and not low.endswith(("ss", "us", "is", "'s")) and len(low) > 3 and i > 0:
        return nxt in DETERMINERS or nxt in {"out", "up", "to", "that", "for", "on", "off"} or (
            nxt[:1].isdigit() and toks[i - 1].lower not in DETERMINERS)  # "the club owes 27.4 million"
    return False


# a pronoun with its auxiliary: "we're", "I've", "they'll", "she's"
_CONTRACTED = re.compile(r"(?:i|we|you|they|he|she|it|there|that)'(?:re|ve|ll|d|m|s)")


def _verbal_participle(toks: list[Token], i: int) -> bool:
    """An -ed word used as a verb, not as an adjective ("the injured", "self-proclaimed")."""
    if "-" in toks[i].text:
        return False
    prev = toks[i - 1].lower if i > 0 else ""
    return prev not in DETERMINERS and prev not in PREPOSITIONS and not prev[:1].isdigit()


def has_verb(masked: str, start: int, end: int) -> bool:
    toks = tokens(masked, start, end)
    caps = _is_caps(toks)
    return any(is_verb_cue(toks, i, caps=caps) for i in range(len(toks)))


def _is_caps(toks: list[Token]) -> bool:
    """All capitals or Title Case (a headline): capitalisation then says nothing about names."""
    letters = [t.text for t in toks if t.text[:1].isalpha()]
    if len(letters) < 3:
        return False
    if all(t.isupper() or len(t) < 2 for t in letters):
        return True
    content = [t for t in letters if t.lower() not in FUNCTION_WORDS]
    return len(content) >= 4 and all(t[:1].isupper() for t in content)


# ---------------------------------------------------------------- lines and boilerplate

_LABEL_PREFIX = re.compile(
    r"\s*(?:related(?: articles?| stories| story| coverage| content)?|read more|read also|also read|see also|"
    r"more|watch|listen|opinion|analysis|explainer|live|breaking(?: news)?)\s*:\s*",
    re.IGNORECASE,
)
_UI = re.compile(
    r"\b(?:click|tap) here\b|\bsubscribe\b|\bsign (?:up|in)\b|\bnewsletter\b|you can now\b|"
    r"\blisten to (?:this|the|our)?\s*\w*\s*articles?\b|\bdownload (?:the|our)\b|\bget the .{0,40}\bapp\b|"
    r"\bfollow us\b|\bshare (?:this|on)\b|\ball rights reserved\b|\bcopyright\b|\bcookies?\b|"
    r"\badvertisement\b|\bsponsored\b|\bskip to\b|\bsign up\b|\bterms of (?:use|service)\b|\bprivacy policy\b",
    re.IGNORECASE,
)
# a comma between clauses or phrases, not the comma of a number ("1,200")
CLAUSE_COMMA = re.compile(r",(?!\d{3}\b)")
_COOKIE_NOTICE = re.compile(r"\b(?:we|this site|this website)\s+uses?\s+cookies\b|\bcookie\s+(?:policy|settings|preferences)\b",
                            re.IGNORECASE)
_UI_VERBS = frozenset({
    "click", "tap", "subscribe", "sign", "download", "follow", "share", "read", "watch", "listen",
    "join", "register", "log", "install", "visit", "see", "get", "scroll", "continue", "print",
    "email", "comment", "like",
})
_URL = re.compile(r"https?://\S+|www\.\S+")
_SOURCE_LINE = re.compile(r"^(?:source|sources|via|credit|credits|photo|image|caption|original url|url)\b", re.I)
_BYLINE = re.compile(r"^(?i:by|written by|reporting by|edited by)\s+[A-Z][\w.'\-]*(?:\s+(?:[A-Z][\w.'\-]*|and|&|,))*\s*$")
_DATE_WORDS = MONTHS | WEEKDAYS | frozenset({
    "updated", "published", "posted", "last", "am", "pm", "a.m", "p.m", "gmt", "utc", "est", "edt",
    "bst", "cet", "cest", "on", "at", "th", "st", "nd", "rd", "ago", "hours", "hour", "minutes",
    "min", "mins", "read", "today", "yesterday",
})
_CAPTION_LINK = re.compile(r"\]\(\s*https?://[^)]*\)\s*$")


def lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every non-blank line, whitespace trimmed."""
    for m in re.finditer(r"[^\n]+", text):
        start, end = strip_span(text, m.start(), m.end())
        if start < end:
            yield start, end


def label_prefix_end(masked: str, start: int, end: int) -> int:
    """Where a line's content begins after a section label such as "Related article:"."""
    m = _LABEL_PREFIX.match(masked, start, end)
    return m.end() if m else start


def is_boilerplate(text: str, masked: str | None = None) -> bool:
    """Whether a line is site furniture rather than article prose.

    ``text`` is the line as published, ``masked`` the same line with markup blanked.
    A capitalised linked headline is not boilerplate: it is prose the page repeats.
    """
    masked = text if masked is None else masked
    raw = text.strip()
    plain = masked.strip()
    plain = plain[label_prefix_end(plain, 0, len(plain)):].strip()
    if not plain or not any(ch.isalpha() for ch in plain):
        return True
    if _CAPTION_LINK.search(raw):
        return True
    toks = words(_URL.sub(" ", plain))
    if len(toks) <= 2:
        return True
    if _URL.fullmatch(plain) or (_URL.search(raw) and len(toks) <= 4):
        return True
    if _SOURCE_LINE.match(plain) and len(toks) <= 6:
        return True
    if _BYLINE.match(plain):
        return True
    if all(w in _DATE_WORDS or w.isdigit() or re.fullmatch(r"[\d.,:]+", w) for w in toks):
        return True
    if _UI.search(plain) and len(toks) <= 16:
        return True
    if _COOKIE_NOTICE.search(plain) and len(toks) <= 40:
        return True  # a site's cookie notice runs to a few sentences
    first = toks[0]
    if first.startswith("new") and first != "new" and not first.startswith("news"):
        first = first[3:]  # a "NEW" badge run into the first word
    if first in _UI_VERBS and len(toks) <= 12:
        return True
    return False


# ---------------------------------------------------------------- sentences

_SENT_END = re.compile(r"[.!?]+[\"”'’)\]]*(?=\s+[\"“'‘(\[]?[A-Z0-9])")


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of one stretch of a line (no line breaks inside), whitespace trimmed."""
    spans = []
    cursor = start
    for m in _SENT_END.finditer(masked, start, end):
        before = masked[cursor:m.start()].rsplit(None, 1)
        last = before[-1].lower().rstrip(".") if before else ""
        if last in ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue
        spans.append(strip_span(masked, cursor, m.end()))
        cursor = m.end()
    spans.append(strip_span(masked, cursor, end))
    return [(s, e) for s, e in spans if s < e]


# ---------------------------------------------------------------- trimming

_OPEN_DOUBLE = "\"“«„"
_CLOSE_DOUBLE = "\"”»"
_FINAL_PUNCT = ".,;:!?…–—-"
LEADING_CONNECTIVES = (
    "and that", "but that", "or that", "and", "but", "so", "yet", "however", "instead",
    "nevertheless", "meanwhile", "also", "then", "that", "while", "although", "though",
    "whereas", "or",
)
_CONNECTIVE = re.compile(
    r"(?:" + "|".join(re.escape(c) for c in LEADING_CONNECTIVES) + r")\b[\s,]*", re.IGNORECASE
)


def trim(text: str, start: int, end: int, masked: str | None = None) -> tuple[int, int]:
    """Cut a span to its claim: no whitespace, enclosing quotes, final punctuation or
    leading connectives ("But", "and that"). Inner quotes stay."""
    masked = text if masked is None else masked
    while True:
        before = (start, end)
        start, end = strip_span(masked, start, end)
        if end > start and masked[end - 1] in _FINAL_PUNCT:
            end -= 1
        elif end > start and text[end - 1] in _CLOSE_DOUBLE and (
                masked[end - 2:end - 1] in tuple(_FINAL_PUNCT) or not _balanced(text[start:end])):
            end -= 1
        elif end > start and text[start] in _OPEN_DOUBLE and (
                not _balanced(text[start:end]) or _first_close(text, start, end) == end - 1):
            start += 1
            if text[end - 1] in _CLOSE_DOUBLE:
                end -= 1
        elif end > start and masked[end - 1] in ")]" and masked[start:end].count("(") < masked[start:end].count(")"):
            end -= 1
        elif end > start:
            m = _CONNECTIVE.match(masked, start, end)
            if m and m.end() < end:
                start = m.end()
        if (start, end) == before:
            return start, end


def _balanced(span: str) -> bool:
    curly = sum(span.count(q) for q in _OPEN_DOUBLE if q != '"') == sum(span.count(q) for q in _CLOSE_DOUBLE if q != '"')
    return curly and span.count('"') % 2 == 0


def _first_close(text: str, start: int, end: int) -> int:
    for k in range(start + 1, end):
        if text[k] in _CLOSE_DOUBLE:
            return k
    return -1


# ---------------------------------------------------------------- clauses

# How a clause is joined to the one before it; decides what it inherits.
NEW = "new"            # own subject: starts afresh
THAT = "that"          # "and that ...": same frame as the previous clause
VP = "vp"              # "... and have called on ...": same subject, no subject of its own
PARTICIPLE = "participle"  # ", saying ...", ", calling on ...": same subject
COLON = "colon"        # "the minister made it plain: ..."


@dataclass(frozen=True, slots=True)
class Clause:
    start: int
    end: int
    link: str


def _finite_within(toks: list[Token], lo: int, window: int, caps: bool) -> bool:
    """A finite verb cue among the first ``window`` tokens from ``lo``, before any subordinator."""
    for i in range(lo, min(len(toks), lo + window)):
        if toks[i].lower in SUBORDINATORS and i > lo:
            return False
        if toks[i].lower in FINITE_AUX or toks[i].lower in IRREGULAR_VERBS or toks[i].lower in REPORT_VERBS \
                or _CONTRACTED.fullmatch(toks[i].lower) \
                or (toks[i].lower in STANCE_VERBS and not toks[i].lower.endswith("ing")) \
                or toks[i].lower in BELIEF_VERBS and not toks[i].lower.endswith("ing"):
            return True
        if i > lo and toks[i].lower.endswith("ed") and len(toks[i].lower) > 4 and _verbal_participle(toks, i) \
                and not toks[i - 1].capitalized and toks[i - 1].lower not in {"and", "or"} \
                and not toks[i - 1].text[:1].isdigit() and not _is_adverb(toks[i - 1].lower):
            return True
        if i > lo and toks[i].lower.endswith("s") and is_verb_cue(toks, i, caps=caps) \
                and toks[i - 1].lower not in DETERMINERS:
            return True  # "the league's test requires any such ..."
    return False


_ADVERBS = frozenset({"not", "yet", "also", "already", "still", "never", "just", "now", "even", "once", "again"})


def _is_adverb(low: str) -> bool:
    return low in _ADVERBS or (low.endswith("ly") and len(low) > 3)


def _trailing_frame_at(masked: str, toks: list[Token], i: int) -> bool:
    """Tokens from ``i`` to the end are only a speaker and a reporting verb (", X said"); a
    comma before the verb means the frame starts later (", stopped and waited, residents said")."""
    if not 1 <= len(toks) - i <= 9:
        return False
    tail = toks[i:]
    for j, tok in enumerate(tail):
        if tok.lower in REPORT_VERBS and not tok.lower.endswith("ing"):
            return len(tail) - j <= 6
        if j and "," in masked[tail[j - 1].end:tok.start]:
            return False
    return False


def _starts_vp(toks: list[Token], i: int, caps: bool) -> bool:
    """Token ``i`` begins a verb phrase with no subject (coordinated predicate)."""
    if i >= len(toks):
        return False
    low = toks[i].lower
    if low in FUNCTION_WORDS or (toks[i].capitalized and not caps):
        return False
    if low in FINITE_AUX or low in IRREGULAR_VERBS or low in REPORT_VERBS or low in STANCE_VERBS or low in BELIEF_VERBS:
        return not low.endswith("ing")
    nxt = toks[i + 1].lower if i + 1 < len(toks) else ""
    if low.endswith("ed") and len(low) > 4 and "-" not in low and (
            nxt in PREPOSITIONS | DETERMINERS | OBJECT_PRONOUNS | _VP_ADVERBS or nxt[:1].isdigit()):
        return True  # "... and pressed for an inquiry ...", "... and died there"
    if nxt == "to" and low.endswith("s") and not low.endswith(("ss", "us", "'s")) and len(low) > 3:
        return True  # "... and aims to reach ...", "... and plans to hire ...": a verb with its infinitive
    return (nxt in DETERMINERS or nxt in OBJECT_PRONOUNS) and not low.endswith(("ing", "ly"))


_VP_ADVERBS = frozenset({"there", "here", "back", "again", "later", "twice", "once", "away", "home", "overnight",
                         "three", "two", "four", "five", "six", "several", "all", "both", "more", "it", "them"})


def _past_verb(toks: list[Token], i: int, caps: bool) -> bool:
    """Token ``i`` is a past-tense verb that can open a coordinated predicate after a comma
    ("fell back, stopped firing", "met, voted"), not a participle phrase (", based in ...")."""
    tok = toks[i]
    low = tok.lower
    if (tok.capitalized and not caps) or low in FUNCTION_WORDS or "-" in low:
        return False
    nxt = toks[i + 1].lower if i + 1 < len(toks) else ""
    if nxt in ("by", "in", "as", "from", "with", "to", "at", "after", "since", "under"):
        return False
    return (low.endswith("ed") and len(low) > 4) or (low in IRREGULAR_VERBS and not low.endswith("s"))


def _ing_clause(tok: Token) -> bool:
    low = tok.lower
    return low.endswith("ing") and len(low) > 5 and low not in NON_CLAUSE_ING and not tok.capitalized


def _inside_spans(positions: list[int], spans: Iterable[tuple[int, int]]) -> list[bool]:
    """For each position (ascending), whether it lies strictly inside one of ``spans``: one sweep."""
    spans = sorted(spans)
    inside, k, reach = [], 0, -1
    for pos in positions:
        while k < len(spans) and spans[k][0] < pos:
            reach = max(reach, spans[k][1])
            k += 1
        inside.append(reach > pos)
    return inside


def split_clauses(masked: str, start: int, end: int, *, protected: Iterable[tuple[int, int]] = ()) -> list[Clause]:
    """Split one sentence where it asserts separable propositions (see GUIDELINES section 3).

    Splits at "; ", ": ", ", but/while/although/so", coordinated clauses and predicates
    ("... and have called on ..."), "and that", comma-spliced clauses and participle clauses
    (", saying ...", ", calling on ..."). Never inside ``protected`` spans (embedded quotes).
    """
    toks = tokens(masked, start, end)
    if not toks:
        return []
    caps = _is_caps(toks)
    guarded = _inside_spans([t.start for t in toks], protected)

    cuts: list[tuple[int, int, str]] = []  # (cut_at, content_from, link)

    starts = [t.start for t in toks]
    cue_before = list(itertools.accumulate((is_verb_cue(toks, k, caps=caps) for k in range(len(toks))),
                                           initial=0))  # verb cues among the first k tokens, in full context

    def has_finite_left(i: int, lo_pos: int) -> bool:
        """A verb cue among the tokens from ``lo_pos`` up to token ``i``, read as a span of its own."""
        lo = bisect.bisect_left(starts, lo_pos, 0, i)
        if i - lo <= 3:
            left = toks[lo:i]
            return any(is_verb_cue(left, k, caps=caps) for k in range(len(left)))
        # only the span's first and last tokens read differently on their own: the rest is counted once
        return (is_verb_cue(toks[lo:lo + 2], 0, caps=caps) or is_verb_cue(toks[i - 2:i], 1, caps=caps)
                or cue_before[i - 1] - cue_before[lo + 1] > 0)

    last_cut = start
    for i, tok in enumerate(toks):
        if guarded[i]:
            continue
        gap = masked[toks[i - 1].end:tok.start] if i > 0 else ""
        low = tok.lower
        link = None
        if i > 0 and ";" in gap:
            link = NEW
        elif i > 0 and ":" in gap and not re.search(r"\d:\d", masked[toks[i - 1].start:tok.end]):
            link = COLON
        elif low in ("but", "while", "although", "though", "whereas", "so") and i > 0 and (
                "," in gap or low == "but"):
            nxt = i + 1
            if nxt < len(toks) and toks[nxt].lower == "that":
                link = THAT
            elif has_finite_left(i, last_cut) and (
                    _finite_within(toks, nxt, 8, caps) or _starts_vp(toks, nxt, caps)):
                link = VP if _starts_vp(toks, nxt, caps) else NEW
        elif low in ("and", "or") and i > 0:
            nxt = i + 1
            if _open_relative(masked, toks, i, last_cut):
                pass  # "the side, which approaches ... and implements ...": one descriptor
            elif _open_adverbial(masked, toks, i, last_cut) and not (nxt < len(toks) and toks[nxt].lower == "that"):
                pass  # "... as tram and rail drivers began ...": the adverbial clause stays whole (12.2)
            elif nxt < len(toks) and toks[nxt].lower == "that":
                link = THAT
            elif nxt < len(toks) and _ing_clause(toks[nxt]) and cuts and cuts[-1][2] == PARTICIPLE:
                link = PARTICIPLE  # ", hailing ... and ordering ..."
            elif has_finite_left(i, last_cut):
                if _starts_vp(toks, nxt, caps):
                    link = VP
                elif _finite_within(_skip_parentheticals(masked, toks, nxt), 0, 10 if "," in gap else 6, caps):
                    link = NEW
        elif low in ("where", "when") and "," in gap and i > 0 and has_finite_left(i, last_cut) \
                and _finite_within(toks, i + 1, 9, caps) and i + 1 < len(toks):
            link = NEW  # ", when the firm offered ...", ", where doctors said ...": a clause of its own (12.2)
        elif "," in gap and i > 0:
            if _trailing_frame_at(masked, toks, i):
                pass
            elif _past_verb(toks, i, caps) and has_finite_left(i, last_cut) and _coordinated_list(masked, toks, i):
                link = VP  # "The board met, voted and resigned": each predicate its own claim (12.2)
            elif low == "instead" and i + 1 < len(toks) and _ing_clause(toks[i + 1]):
                link = PARTICIPLE
            elif _ing_clause(tok) and (low in REPORT_VERBS or low in STANCE_VERBS or low in BELIEF_VERBS):
                link = PARTICIPLE  # ", saying ...", ", urging ...": the subject's own further claim
            elif _ing_clause(tok):
                pass  # ", costing £27.5m", ", leaving 230,000 stranded": a clause of manner or result stays (12.2)
            elif low not in SUBORDINATORS and not _starts_vp(toks, i, caps) and low not in FINITE_AUX \
                    and not _adverbial_opening(toks, starts, last_cut) and has_finite_left(i, last_cut) and _finite_within(toks, i, 5, caps) \
                    and not _finite_within(toks, i, 1, caps):
                link = NEW
        if link:
            cut_at = toks[i - 1].end
            skip = i
            if low in _JOINERS or (low in ("where", "when") and link == NEW):
                skip += 1
            if skip < len(toks) and toks[skip].lower == "that" and link == THAT:
                skip += 1
            content_from = toks[skip].start if skip < len(toks) else tok.start
            cuts.append((cut_at, content_from, link))
            last_cut = content_from
    clauses = []
    cursor, link = start, NEW
    for cut_at, content_from, next_link in cuts:
        s, e = strip_span(masked, cursor, cut_at)
        if s < e:
            clauses.append(Clause(s, e, link))
        cursor, link = content_from, next_link
    s, e = strip_span(masked, cursor, end)
    if s < e:
        clauses.append(Clause(s, e, link))
    return clauses


# Words that open an adverbial phrase or clause: what follows them up to the comma stays
# inside the main clause's claim (GUIDELINES 12.2), so no cut is made at that comma.
ADVERBIAL_OPENERS = frozenset({
    "after", "before", "during", "following", "in", "on", "at", "since", "despite", "under", "amid", "upon",
    "within", "throughout", "when", "once", "as", "because", "until", "with", "without", "by", "for", "from",
    "whenever", "although", "though", "unlike", "like",
})


def _adverbial_opening(toks: list[Token], starts: list[int], lo: int) -> bool:
    """The clause that starts at ``lo`` opens with an adverbial phrase or clause (``starts``: the
    tokens' starts, searched by bisection)."""
    k = bisect.bisect_left(starts, lo)
    return k < len(toks) and toks[k].lower in ADVERBIAL_OPENERS


_JOINERS = frozenset({"and", "or", "but", "while", "although", "though", "whereas", "so"})


_ADVERBIAL_SUBORDINATORS = frozenset({"as", "when", "after", "before", "because", "since", "until", "once", "while",
                                     "if", "unless", "whether"})


def _open_adverbial(masked: str, toks: list[Token], i: int, lo: int) -> bool:
    """Token ``i`` ("and") sits inside an adverbial clause not yet closed by a comma, and what
    follows it is no verb phrase of its own."""
    sub = [k for k in range(i) if toks[k].start >= lo and toks[k].lower in _ADVERBIAL_SUBORDINATORS and k > 0]
    return bool(sub) and "," not in masked[toks[sub[-1]].end:toks[i].start] and i - sub[-1] <= 8


def _coordinated_list(masked: str, toks: list[Token], i: int) -> bool:
    """The predicate after the comma at token ``i`` continues a list ("met, voted and walked"):
    an "and" follows later in the sentence, or a past verb ends the clause before the comma."""
    prev = toks[i - 1]
    if prev.lower.endswith("ed") or prev.lower in IRREGULAR_VERBS or prev.lower in _VP_ADVERBS:
        return True
    return any(t.lower == "and" for t in toks[i + 1:i + 8])


def _open_relative(masked: str, toks: list[Token], i: int, lo: int) -> bool:
    """Token ``i`` sits inside a relative clause not yet closed by a comma."""
    rel = [k for k in range(i) if toks[k].start >= lo and toks[k].lower in ("which", "who", "whom", "whose")]
    return bool(rel) and "," not in masked[toks[rel[-1]].end:toks[i].start]


def _skip_parentheticals(masked: str, toks: list[Token], lo: int) -> list[Token]:
    """Tokens from ``lo`` with comma-enclosed insertions (", along with X,") left out."""
    out = []
    depth = False
    for k in range(lo, len(toks)):
        gap = masked[toks[k - 1].end:toks[k].start] if k > lo else ""
        if "," in gap:
            depth = not depth
        if not depth:
            out.append(toks[k])
    return out
