"""Who asserts what: quotations, reporting frames and the claimant they name.

A *frame* is the part of a sentence that says who is speaking ("X said on Monday that",
"according to X", ", X told reporters"); GUIDELINES section 4 keeps it out of the span and
section 6 makes its subject the claimant. Claimants are returned as the name is written in
the article (titles dropped from people's names, pronouns and "the agency"-style
descriptions resolved to the last party that fits), so that a scorer's alias table can map
them to canonical names. Nothing here knows any particular article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .segment import (
    BELIEF_VERBS, CLAUSE_COMMA, DETERMINERS, FINITE_AUX, IRREGULAR_VERBS, MONTHS, POSSESSIVES, PREPOSITIONS,
    PRONOUNS, REPORT_VERBS, STANCE_VERBS, WEEKDAYS, Token, inflect, is_verb_cue, strip_span, tokens,
)

# ---------------------------------------------------------------- quotations

_OPEN = "“«„"
_CLOSE = "”»"


@dataclass(frozen=True, slots=True)
class Quote:
    """A quotation inside one line. ``start``/``end`` bound its words, marks excluded.

    ``block`` quotes stand as sentences of their own ("“A,” she said"); the others are
    words embedded in the article's prose ("urged them to “return to work”").
    """

    start: int
    end: int
    open_at: int | None
    close_at: int | None
    block: bool


def find_quotes(text: str, masked: str, start: int, end: int) -> list[Quote]:
    """Quotations in ``text[start:end]``, straight or curly, including a quote whose
    opening or closing mark is missing (it then runs from its sentence start or to the end)."""
    pairs: list[tuple[int | None, int | None]] = []
    open_at: int | None = None
    for k in range(start, end):
        ch = text[k]
        if ch in _OPEN:
            if open_at is None:
                open_at = k
        elif ch in _CLOSE:
            pairs.append((open_at, k))
            open_at = None
        elif ch == '"':
            prev = text[k - 1] if k > start else " "
            nxt = text[k + 1] if k + 1 < end else " "
            if open_at is None and (prev.isspace() or prev in "([–—-:") and not nxt.isspace():
                open_at = k
            else:
                pairs.append((open_at, k))
                open_at = None
    if open_at is not None:
        pairs.append((open_at, None))
    quotes = []
    previous_end = start
    for o, c in pairs:
        if o is None:
            q_start = _sentence_start(masked, previous_end, c)
        else:
            q_start = o + 1
        q_end = end if c is None else c
        prefix = masked[previous_end:o].strip() if o is not None else ""
        prefix = prefix.rstrip("\"”'")
        n_words = len(tokens(masked, q_start, q_end))
        block = o is None or (n_words >= 3 and (not prefix or prefix[-1] in ".!?:"))
        s, e = strip_span(masked, q_start, q_end)
        if s < e:
            quotes.append(Quote(s, e, o, c, block))
        previous_end = (c + 1) if c is not None else end
    return quotes


def _sentence_start(masked: str, lo: int, hi: int) -> int:
    """Start of the sentence that ends at ``hi``: after the last ". " (any case) in range."""
    best = lo
    for m in re.finditer(r"[.!?][\"”']?\s+", masked[lo:hi]):
        best = lo + m.end()
    return best


# ---------------------------------------------------------------- frames

TIME_WORDS = WEEKDAYS | MONTHS | frozenset({
    "on", "this", "last", "earlier", "later", "today", "yesterday", "tonight", "week", "month",
    "year", "morning", "evening", "night", "afternoon", "weekend", "also", "again", "once",
    "now", "then", "reportedly", "previously", "recently", "already", "still", "repeatedly",
    "publicly", "privately", "separately", "further", "initially", "first",
})
LEADING_ADVERBS = frozenset({
    "now", "but", "and", "both", "earlier", "later", "meanwhile", "also", "however", "nevertheless",
    "then", "so", "yet", "still", "separately", "previously",
})
BE = frozenset({"is", "are", "was", "were", "be", "been", "being"})
_ACCUSE = frozenset({"accuse", "accuses", "accused", "accusing"})
_TOLD = frozenset({"told", "tell", "tells", "telling", "informed", "assured", "warned"})
_ACCORDING = re.compile(r"\baccording to\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Frame:
    """A reporting frame: its subject (the claimant's words), verb and the content it frames."""

    subject: tuple[int, int] | None
    content: tuple[int, int] | None
    belief: bool = False
    verb_at: int = -1
    figure: bool = False  # "puts the toll at ...": its content is a figure, never a further frame


def _is_report_verb(toks: list[Token], i: int, *, allow_ing: bool) -> bool:
    low = toks[i].lower
    if low not in REPORT_VERBS and low not in BELIEF_VERBS:
        return False
    if low.endswith("ing") and not allow_ing:
        return False
    if i > 0:
        prev = toks[i - 1].lower
        if prev in DETERMINERS or prev.endswith("'s") or prev.endswith("s'") \
                or (prev in PREPOSITIONS and prev != "to"):
            return False  # a noun: "the agency's claims", "after reports that"
    if i + 1 < len(toks) and toks[i + 1].lower in ("of",) and low not in _ACCUSE:
        return False
    return True


def _expect_from(toks: list[Token], i: int) -> bool:
    """"expects X from Y" demands rather than predicts: a stance, not a frame."""
    if not toks[i].lower.startswith("expect"):
        return False
    for t in toks[i + 1:i + 12]:
        if t.lower in ("that", "to"):
            return False
        if t.lower == "from":
            return True
    return False


def leading_frame(masked: str, start: int, end: int, *, allow_ing: bool = False,
                  window: int | None = None) -> Frame | None:
    """The first "X said (that) ..." or "According to X, ..." frame in a clause."""
    according = _ACCORDING.search(masked, start, end) if masked[start:end].lstrip()[:12].lower() == "according to" else None
    if according is not None:
        after = according.end()
        comma = masked.find(",", after, end)
        if comma < 0:
            return None
        return Frame(subject=strip_span(masked, after, comma), content=strip_span(masked, comma + 1, end))
    toks = tokens(masked, start, end)
    limit = len(toks) if window is None else min(len(toks), window)
    for i in range(limit):
        if _puts_at(toks, i):
            subject = subject_span(masked, start, toks[i].start) if i else None
            if subject is not None or i == 0:
                return Frame(subject=subject, content=strip_span(masked, toks[i + 1].start, end), verb_at=toks[i].start,
                             figure=True)
        if not _is_report_verb(toks, i, allow_ing=allow_ing and i == 0):
            continue
        if _expect_from(toks, i):
            return None
        if any(t.lower in STANCE_VERBS or t.lower in DENIAL_VERBS or t.lower.startswith(("refus", "declin"))
               for t in toks[:i]):
            return None  # "refused to say ...": the stance is the claim, not a frame
        subject = subject_span(masked, start, toks[i].start)
        if subject is None and i > 0 and _has_clause_verb(toks[:i]):
            continue
        between = [t.lower for t in toks[:i] if subject is None or t.start >= subject[1]]
        if any(w in BE for w in between):
            continue  # passive "is expected to", "is believed": no speaker named
        content = _content_after(masked, toks, i, end)
        if toks[i].lower in DENIAL_VERBS and (content is None or not _clausal(masked, toks, i, content)):
            return None  # "confirmed the date", "accused the union of ...": the verb is in the claim (12.4)
        return Frame(subject=subject, content=content, belief=toks[i].lower in BELIEF_VERBS, verb_at=toks[i].start)
    return None


def _clausal(masked: str, toks: list[Token], i: int, content: tuple[int, int]) -> bool:
    """What a verb of denial frames is a reported clause ("confirmed that ...", "admitted it had ..."),
    not an object ("confirmed the date")."""
    if i + 1 < len(toks) and toks[i + 1].lower == "that":
        return True
    inner = tokens(masked, *content)
    return any(is_verb_cue(inner, k) for k in range(min(len(inner), 6)))


def _puts_at(toks: list[Token], i: int) -> bool:
    """"X puts the number at 40", "has put the cost at ...": a frame around a figure (GUIDELINES 12.7)."""
    if toks[i].lower not in ("put", "puts") or i + 2 >= len(toks):
        return False
    if i and (toks[i - 1].lower in DETERMINERS or toks[i - 1].lower == "to"):
        return False
    return any(t.lower == "at" for t in toks[i + 2:i + 12]) and toks[i + 1].lower not in ("on", "off", "up", "out",
                                                                                           "in", "forward", "down")


def _has_clause_verb(toks: list[Token]) -> bool:
    return any(t.lower in FINITE_AUX - {"has", "have", "had", "will", "would", "did", "does", "do"}
               or t.lower in IRREGULAR_VERBS for t in toks)


def _content_after(masked: str, toks: list[Token], i: int, end: int) -> tuple[int, int] | None:
    verb = toks[i]
    if verb.lower in _ACCUSE:
        for k in range(i + 1, min(len(toks), i + 10)):
            if toks[k].lower == "of":
                return strip_span(masked, toks[k].end, end)
        return None
    k = i + 1
    while k < len(toks) and k < i + 14:
        gap = masked[toks[k - 1].end:toks[k].start]
        if "," in gap or any(q in gap for q in "\"“"):
            break
        if toks[k].lower == "that":
            return strip_span(masked, toks[k].end, end)
        if is_verb_cue(toks, k) and verb.lower not in _TOLD:
            break  # "said the mill was closed": the content starts right after the verb ("told" has a listener first)
        k += 1
    k = i + 1
    if verb.lower in _TOLD:
        return None  # "told reporters": what follows without "that" is the listener
    while k < len(toks) and toks[k].lower in TIME_WORDS and "," not in masked[toks[k - 1].end:toks[k].start]:
        k += 1
    begin = toks[k].start if k < len(toks) else end
    return strip_span(masked, begin, end) if begin < end else None


def trailing_frame(masked: str, start: int, end: int) -> Frame | None:
    """A frame closing the clause: "..., X said", "..., said X", "..., according to X"."""
    toks = tokens(masked, start, end)
    if len(toks) < 4:
        return None
    for k in range(len(toks) - 1, 0, -1):
        gap = masked[toks[k - 1].end:toks[k].start]
        if "," not in gap:
            continue
        tail = toks[k:]
        if len(tail) > 14:
            return None
        comma = toks[k - 1].end + gap.index(",")
        if masked[toks[k].start:end].lower().startswith("according to"):
            named = subject_span(masked, toks[k + 2].start, end) if k + 2 < len(toks) else None
            return Frame(subject=named or strip_span(masked, toks[k + 2].start if k + 2 < len(toks) else end, end),
                         content=strip_span(masked, start, comma))
        for j, tok in enumerate(tail):
            if tok.lower in REPORT_VERBS and not tok.lower.endswith("ing") and _is_report_verb(toks, k + j, allow_ing=False):
                after = toks[k + j + 1:]
                if len(after) > 5 or any(is_verb_cue(toks, k + j + 1 + n) for n in range(len(after))):
                    return None
                if j == 0:  # inverted: ", said the governor"
                    subject = _np_after(masked, toks, k + 1, end)
                else:
                    subject = subject_span(masked, tail[0].start, tok.start)
                    if subject is None or _has_clause_verb(tail[:j]):
                        return None
                if subject is None:
                    return None
                return Frame(subject=subject, content=strip_span(masked, start, comma), verb_at=tok.start)
        if len(tail) > 5 or any(is_verb_cue(toks, k + n) for n in range(len(tail))):
            return None
        # a verbless piece (", Ada Okoro" after ", according to the chief"): look further back
    return None


def inverted_subject(masked: str, start: int, end: int) -> tuple[int, int] | None:
    """The speaker of a clause that starts with its verb: "said the governor"."""
    toks = tokens(masked, start, end)
    if toks and toks[0].lower in REPORT_VERBS:
        return _np_after(masked, toks, 1, end)
    return None


def _np_after(masked: str, toks: list[Token], k: int, end: int) -> tuple[int, int] | None:
    if k >= len(toks):
        return None
    j = k
    while j < len(toks) and j < k + 6:
        gap = masked[toks[j - 1].end:toks[j].start] if j > k else ""
        if "," in gap or (toks[j].lower in PREPOSITIONS and toks[j].lower != "of") or toks[j].lower in TIME_WORDS:
            break
        j += 1
    if j == k:
        return None
    return toks[k].start, toks[j - 1].end


_DASHED = re.compile(r"\s[–—-]\s[^–—]*?\s[–—-](?=\s|$)")
_PARENTHESES = re.compile(r"\([^)]*\)")


def _blank(m: re.Match) -> str:
    return " " * len(m.group())


def _names_someone(parenthesis: str) -> bool:
    """"(Jane Roe)" names a person; "(WHO)" only abbreviates what precedes it."""
    inner = parenthesis[1:-1]
    return any(ch.isupper() for ch in inner) and not inner.isupper()


def subject_span(masked: str, start: int, end: int) -> tuple[int, int] | None:
    """The noun phrase naming who speaks, in the stretch before a reporting or stance verb.

    Drops what precedes the last comma (intro phrases), appositives after a name
    ("Jane Roe, head of ..., told"), dash-enclosed insertions, and trailing adverbs,
    time words and auxiliaries ("on Monday", "reportedly", "has").
    """
    region = _DASHED.sub(_blank, masked[start:end])
    region = _PARENTHESES.sub(lambda m: m.group() if _names_someone(m.group()) else _blank(m), region)
    chunks = []
    pos = 0
    for part in CLAUSE_COMMA.split(region):  # not the comma of a number ("38,000")
        s, e = strip_span(region, pos, pos + len(part))
        if s < e:
            chunks.append((s, e))
        pos += len(part) + 1
    chunks = [c for c in chunks if region[c[0]:c[1]].strip().lower() not in LEADING_ADVERBS
              and not _not_a_subject(region[c[0]:c[1]])]
    chunks = [_after_subordinator(region, c) for c in chunks]
    chunks = [c for c in chunks if c[0] < c[1]]
    if not chunks:
        return None
    s, e = chunks[-1]
    first = region[s:e].split()[0]
    if len(chunks) >= 2 and (first[:1].islower() and first.lower() not in PRONOUNS
                             and first.lower() not in {"the", "this", "these", "those", "some", "several", "many"}) \
            or len(chunks) >= 2 and first.lower() in {"a", "an"}:
        ps, pe = chunks[-2]
        if region[ps:pe][:1].isupper():
            s, e = ps, pe
    toks = tokens(region, s, e)
    while toks and toks[0].lower in LEADING_ADVERBS:
        toks = toks[1:]
    if len(toks) > 1 and toks[-1].lower in PRONOUNS and toks[-2].lower not in ("and", "or"):
        toks = toks[-1:]  # "Outside the hall she said": the pronoun, not the place
    kept: list[Token] = []
    for idx, tok in enumerate(toks):
        low = tok.lower
        if kept and (low in FINITE_AUX or low in IRREGULAR_VERBS or low in TIME_WORDS or low in DENIAL_VERBS
                     or (low.endswith("ly") and not tok.capitalized)
                     or (low == "to" and idx + 1 < len(toks) and toks[idx + 1].lower in REPORT_VERBS)):
            break
        if not kept and (low in FINITE_AUX or low in TIME_WORDS):
            return None
        kept.append(tok)
    if not kept or len(kept) > 12:
        return None
    return start + kept[0].start, start + kept[-1].end


_SUBORDINATORS = frozenset({"where", "when", "while", "as", "because", "although", "though", "if", "and", "but",
                            "whereas", "after", "before", "since", "so"})
_RELATIVES = frozenset({"who", "which", "whose", "whom", "that"})


def _not_a_subject(chunk: str) -> bool:
    """A comma-separated piece that never names a speaker: an age ("54"), a relative clause
    ("who reached the city"), a prepositional or participial fragment ("In a clip shared on Friday")."""
    toks = tokens(chunk)
    if not toks:
        return True
    first = toks[0].lower
    if all(t.text[:1].isdigit() for t in toks) or first in _RELATIVES:
        return True
    if first in PREPOSITIONS and first not in ("of",) and not (toks[-1].lower in PRONOUNS):
        return True
    return False


def _after_subordinator(region: str, chunk: tuple[int, int]) -> tuple[int, int]:
    """"where the army said": the subject starts after the subordinating word."""
    s, e = chunk
    toks = tokens(region, s, e)
    while len(toks) > 1 and toks[0].lower in _SUBORDINATORS:
        toks = toks[1:]
        s = toks[0].start
    return s, e


def is_pronoun_subject(words_: list[str]) -> bool:
    """A span whose subject is a pronoun or a possessive phrase ("they", "his forces")."""
    return bool(words_) and (words_[0] in PRONOUNS or words_[0] in POSSESSIVES)


def stance_start(masked: str, start: int, end: int) -> tuple[int, tuple[int, int]] | None:
    """Where an active stance verb phrase starts after its subject, and the subject span:
    "The union has rejected the offer" -> (start of "has rejected ...", span of "The union")."""
    toks = tokens(masked, start, end)
    for i in range(len(toks)):
        if not _stance_at(toks, i):
            continue
        j = i
        while j > 0 and (toks[j - 1].lower in FINITE_AUX or toks[j - 1].lower in _VERB_MODIFIERS
                         or (toks[j - 1].lower.endswith("ly") and not toks[j - 1].capitalized)):
            j -= 1
        if j == 0:
            return None
        if any(t.lower in BE for t in toks[j:i]) \
                or (j > 0 and toks[j - 1].lower == "being"):
            return None  # passive: "they are guaranteed", the subject holds no stance
        subject = subject_span(masked, start, toks[j].start)
        if subject is None:
            return None
        before_subject = tokens(masked, start, subject[0])
        if _has_clause_verb(before_subject) or (before_subject and before_subject[-1].lower in _SUBORDINATORS):
            return None  # "... as sides dispute the count": inside an adverbial clause
        return toks[j].start, subject
    return None


_VERB_MODIFIERS = frozenset({"not", "also", "already", "now", "again", "still", "once", "never"})


# Verbs whose subject holds the claim and that stay in its span: denials, disputes,
# dismissals, confirmations, accusations (GUIDELINES 12.4); typed by their content.
DENIAL_VERBS = frozenset(
    f for f in inflect("deny", "dispute", "dismiss", "confirm", "blame", "welcome", "contest", "accuse",
                       "acknowledge", "rule") if not f.endswith("ing")
) | frozenset({"admits", "admitted"})  # "rule" only in "ruled out"


def _stance_at(toks: list[Token], i: int) -> bool:
    """Token ``i`` is an active stance verb ("rejected", "called on", "expects ... from")
    or a verb of denial whose subject holds the claim ("denied", "disputes")."""
    low = toks[i].lower
    if low in DENIAL_VERBS and (low not in ("rule", "rules", "ruled") or (
            i + 1 < len(toks) and toks[i + 1].lower == "out")):
        prev = toks[i - 1].lower if i > 0 else ""
        return prev not in DETERMINERS and prev != "to" and prev not in ("who", "which", "that")
    if low in STANCE_VERBS and not low.endswith("ing"):
        prev = toks[i - 1].lower if i > 0 else ""
        return prev not in DETERMINERS and prev != "to"
    if low.startswith("call") and i + 1 < len(toks) and toks[i + 1].lower in ("on", "upon", "for", "off"):
        return not low.endswith("ing") and (i == 0 or toks[i - 1].lower not in DETERMINERS)
    if low.startswith("expect") and _expect_from(toks, i):
        return True
    if low in ("remained", "remains", "remain") and i + 1 < len(toks) and toks[i + 1].lower == "tight-lipped":
        return True
    return False
