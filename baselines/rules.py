"""``rules``: a deterministic claim extractor built from general English cues, no training.

Pipeline, per non-boilerplate line: quotations are found first (a quoted sentence is a
*block* quote whose speaker comes from the frame that follows or precedes it); the prose
between them is cut into sentences and clauses (``segment``); each clause loses its
reporting frame, which names the claimant (``attribution``); what remains is filtered
(opinions, uncertainty, questions, fragments) and typed by cue words in the guidelines'
decision order: a number -> ``quantity``; a stance verb, obligation, or a future the
speaker commits its own side to -> ``position``; a future, modal or belief frame ->
``prediction``; anything else -> ``event``.

The candidate spans with their claimant and attribution are exposed as
``extract_candidates`` so that the ``transformer`` baseline types the same segments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.claims import AUTHOR, Claim, Document
from bench.model import Model
from bench.registry import register_model

from .attribution import (
    Claimants, Quote, find_quotes, inverted_subject, is_pronoun_subject, leading_frame,
    stance_start, trailing_frame,
)
from .segment import (
    COLON, FINITE_AUX, FUNCTION_WORDS, MONTHS, NEW, PARTICIPLE, STANCE_VERBS, THAT, VP, has_verb,
    is_boilerplate, label_prefix_end, lines, mask, split_clauses, split_sentences, tokens, trim, words,
)

DIRECT, INDIRECT = "direct", "indirect"

# ---------------------------------------------------------------- type cues

_NUMBER_WORDS = frozenset({
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
    "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "hundreds",
    "thousand", "thousands", "million", "millions", "billion", "billions", "trillion", "dozen",
    "dozens", "half", "twice", "doubled", "tripled", "halved", "percent", "majority", "scores",
})
_QUANTITY_PHRASES = re.compile(
    r"\b(?:numbers?\s+of|numbers|figures|a\s+total\s+of|per\s*cent|a\s+third|a\s+quarter|tens\s+of)\b|%",
    re.IGNORECASE,
)
FUTURE = re.compile(
    r"\b(?:will|won't|shall|would|wouldn't|going\s+to|can|cannot|can't|could|couldn't|may|might|"
    r"be\s+able\s+to|about\s+to|set\s+to|plans?\s+to|planned\s+to|planning\s+to|expected\s+to|"
    r"(?:is|are|was|were)\s+expected|likely|unlikely|possible|impossible|forecasts?|predicts?|soon|next\s+(?:week|month|year))\b|'ll\b",
    re.IGNORECASE,
)
_COMMIT_FUTURE = re.compile(r"\b(?:will|won't|shall|would|wouldn't|going\s+to)\b|'ll\b", re.IGNORECASE)
_OBLIGATION = re.compile(
    r"\b(?:must|should|ought\s+to|has\s+to|have\s+to|had\s+to|needs?|needed\s+to|call(?:s|ed|ing)?\s+(?:on|upon|for|off)|"
    r"ready['’\"”]?\s+(?:to|for)|willing\s+to|prepared\s+to|tight-lipped|no\s+comment|commitments?|"
    r"(?:portray|present|describe|label)(?:s|ed|ing)?\b[^.]*\bas)\b",
    re.IGNORECASE,
)
_EXPECT_FROM = re.compile(r"\bexpect\w*\b(?:(?!\bthat\b|\bto\b)[^.])*\bfrom\b", re.IGNORECASE)
_AS_VERBS = frozenset({"present", "presents", "presented", "describe", "describes", "described", "label",
                       "labels", "labelled", "labeled", "portray", "portrays", "portrayed"})
_PURPOSE = re.compile(r"\b(?:in\s+order\s+to|so\s+as\s+to|so\s+that)\b.*$", re.IGNORECASE | re.DOTALL)

# ---------------------------------------------------------------- non-claims

_UNCERTAIN = re.compile(r"\b(?:unclear|uncertain|not\s+(?:yet\s+)?clear|not\s+known|unknown|remains\s+to\s+be\s+seen)\b", re.I)
_EVALUATIVE_WORDS = (
    r"clear|perfect|smooth|smoothly|fragile|delicate|difficult|good|bad|badly|great|terrible|brutal|"
    r"important|optimistic|pessimistic|ideal|easy|hard|complicated|tragic|unacceptable|excellent|"
    r"crucial|vital|wonderful|horrible|awful|dire|grim|fine|well|nice|sad|happy|proud|pleased|"
    r"disappointed|outrageous|shameful|ridiculous|absurd|strange|remarkable|disgraceful|shocking|"
    r"worrying|concerning|encouraging|positive|negative|hopeful|confident|regrettable|unfortunate"
)
_STRONG_OPINION = re.compile(r"\bamong\s+the\s+(?:most|least|worst|best)\b|\bno\s+doubt\b", re.IGNORECASE)
_EVALUATIVE = re.compile(
    r"\b(?:is|are|was|were|remains?|remained|seems?|seemed|looks?|looked|feels?|felt|be)\s+"
    r"(?:[\"“”']?(?:very|so|quite|too|extremely|really|not|all|initially|increasingly|particularly|"
    r"rather|more|most|less|of|a|an|going|now|still|also|always)\s+)*[\"“”']?(?:" + _EVALUATIVE_WORDS + r")\b"
    r"|\bamong\s+the\s+(?:most|least|worst|best)\b|\bno\s+doubt\b",
    re.IGNORECASE,
)
_WRAPPER = re.compile(r"it\s+(?:is|was|seems|seemed|appears|appeared)\s+[^,.]{1,40}?\bthat\s+", re.IGNORECASE)
_GERUND_WITH_OBJECT = re.compile(
    r"\b[a-z]{3,}ing\s+(?:the|a|an|its|his|her|their|our|my|them|him|us|it)\b")
_CONDITIONAL = re.compile(r"(?:if|unless|whether)\b", re.IGNORECASE)
_INFINITIVE = re.compile(r"\bto\s+[a-z]{3,}")
_INTRO = frozenset({
    "after", "before", "during", "earlier", "following", "later", "in", "on", "at", "since",
    "despite", "under", "amid", "meanwhile", "nevertheless", "however", "when", "as", "with",
    "upon", "over", "within", "throughout",
})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A segment that may be a claim, with who asserts it and how.

    ``keep`` is False when the rules judge it not a claim (opinion, uncertainty, fragment);
    ``belief`` marks content framed by "hopes/believes/expects that".
    """

    start: int
    end: int
    claimant: str
    attribution: str
    belief: bool = False
    quoted: bool = False
    keep: bool = True


@dataclass(frozen=True, slots=True)
class _State:
    claimants: tuple[str, ...]
    attribution: str
    subjects: tuple[str, ...] = ()
    belief: bool = False
    frame_only: bool = False


_AUTHOR_STATE = _State((AUTHOR,), AUTHOR)


# ---------------------------------------------------------------- typing

def is_quantity(text: str) -> bool:
    """A count, amount or measured value; dates and years that only place an event do not count."""
    core = _PURPOSE.sub("", text)
    if _QUANTITY_PHRASES.search(core):
        return True
    toks = [m.group() for m in re.finditer(r"\d+(?:[.,:]\d+)*%?|[^\W\d_][\w'\-]*", core)]
    for i, tok in enumerate(toks):
        low = tok.lower()
        if low in _NUMBER_WORDS:
            return True
        if tok[:1].isdigit():
            prev = toks[i - 1].lower() if i else ""
            nxt = toks[i + 1].lower() if i + 1 < len(toks) else ""
            if prev in MONTHS or nxt in MONTHS or ":" in tok:
                continue
            if re.fullmatch(r"(?:19|20)\d\d", tok) and nxt not in ("people", "soldiers", "civilians"):
                continue
            return True
    return False


def rule_type(text: str, *, belief: bool = False) -> str:
    """Type a claim's text by cue words, in the guidelines' decision order."""
    if is_quantity(text):
        return "quantity"
    core = _month_names(_PURPOSE.sub("", text))
    ws = words(core)
    if belief and not _EXPECT_FROM.search(core):
        return "prediction"
    if has_stance(core, ws):
        return "position"
    head = " ".join(ws[:5])
    if is_pronoun_subject(ws) and _COMMIT_FUTURE.search(head):
        return "position"  # a party's commitment about its own side
    if FUTURE.search(core):
        return "prediction"
    return "event"


def _month_names(text: str) -> str:
    """"since May 16": a month, not the modal."""
    return re.sub(r"\bMay(?=\s+\d)", "Month", text)


def has_stance(core: str, ws: list[str]) -> bool:
    """A stance verb, call, obligation or readiness in ``core`` (its words ``ws``)."""
    if _OBLIGATION.search(core) or _EXPECT_FROM.search(core):
        return True
    for i, w in enumerate(ws):
        if w in STANCE_VERBS and w not in _AS_VERBS:
            if i and ws[i - 1] in ("the", "a", "an", "this", "these", "their", "its", "his", "her"):
                continue
            return True
    return False


# ---------------------------------------------------------------- extraction

def extract_candidates(document: Document) -> list[Candidate]:
    """Every candidate claim segment of a document, in text order, kept or not."""
    return _Extractor(document.text).run()


class _Extractor:
    def __init__(self, text: str):
        self.text = text
        self.masked = mask(text)
        self.names = Claimants(text, self.masked)
        self.out: list[Candidate] = []
        self.last_speaker: tuple[str, ...] = ()

    def run(self) -> list[Candidate]:
        for ls, le in lines(self.text):
            if is_boilerplate(self.text[ls:le], self.masked[ls:le]):
                continue
            self._line(label_prefix_end(self.masked, ls, le), le)
        self.out.sort(key=lambda c: (c.start, c.end, c.claimant))
        return self.out

    # -- one line (paragraph)

    def _line(self, ls: int, le: int) -> None:
        quotes = find_quotes(self.text, self.masked, ls, le)
        embedded = [(q.open_at if q.open_at is not None else q.start,
                     q.close_at + 1 if q.close_at is not None else q.end) for q in quotes if not q.block]
        units: list[tuple[str, object]] = []
        cursor = ls
        for q in quotes:
            if not q.block:
                continue
            lo = q.open_at if q.open_at is not None else q.start
            units.extend(("narr", span) for span in split_sentences(self.masked, cursor, lo))
            units.append(("quote", q))
            cursor = q.close_at + 1 if q.close_at is not None else q.end
        units.extend(("narr", span) for span in split_sentences(self.masked, cursor, le))

        line_speaker: tuple[str, ...] = ()
        colon_speaker: tuple[str, ...] = ()
        i = 0
        while i < len(units):
            kind, unit = units[i]
            if kind == "narr":
                s, e = unit
                headline = (s, e) == (ls, le) and self.masked[e - 1] not in ".!?\"”'"
                speaker = self._narrative(s, e, embedded, headline=headline)
                colon_speaker = speaker if self.masked[s:e].rstrip().endswith(":") else ()
                i += 1
                continue
            quote: Quote = unit
            speaker: tuple[str, ...] = ()
            consumed = False
            if i + 1 < len(units) and units[i + 1][0] == "narr":
                s, e = units[i + 1][1]
                if self._is_attribution(quote, s, e):
                    speaker = self._narrative(s, e, embedded, after_quote=True)
                    consumed = True
            speaker = speaker or colon_speaker or line_speaker or self.last_speaker
            self._quote(quote, speaker or (AUTHOR,))
            if speaker:
                line_speaker = speaker
                self.last_speaker = speaker
            colon_speaker = ()
            i += 2 if consumed else 1

    def _is_attribution(self, quote: Quote, s: int, e: int) -> bool:
        """Whether the sentence after a quote names its speaker ("..., she said")."""
        ended = self.text[quote.end - 1:quote.end]
        frame = leading_frame(self.masked, s, e, window=12)
        if frame is None:
            return inverted_subject(self.masked, s, e) is not None
        if ended in ",?!" or self.masked[s:s + 1].islower():
            return True
        return frame.content is None or not has_verb(self.masked, *frame.content)

    # -- quotations

    def _quote(self, quote: Quote, speaker: tuple[str, ...]) -> None:
        for s, e in split_sentences(self.masked, quote.start, quote.end):
            owners = speaker
            for clause in split_clauses(self.masked, s, e):
                a, b = clause.start, clause.end
                if clause.link in (COLON, NEW) and self.masked[b:b + 2].strip().startswith(":"):
                    # "the minister has made it plain: ..." inside a quote: the minister owns what follows
                    frame = leading_frame(self.masked, a, b)
                    if frame is not None and frame.subject is not None and (
                            frame.content is None or not has_verb(self.masked, *frame.content)):
                        owners = tuple(self.names.name(frame.subject)) or owners
                        continue
                self._emit(a, b, owners, DIRECT, quoted=True)

    # -- prose

    def _narrative(self, s: int, e: int, embedded, *, after_quote: bool = False,
                   headline: bool = False) -> tuple[str, ...]:
        """Emit the claims of one prose sentence; return the speaker its first frame names."""
        prev: _State | None = None
        speaker: tuple[str, ...] = ()
        clauses = split_clauses(self.masked, s, e, protected=embedded)
        headline = headline and len(clauses) == 1
        for index, clause in enumerate(clauses):
            a, b = clause.start, clause.end
            if clause.link == THAT and prev is not None:
                state, span = prev, (a, b)
            elif clause.link in (VP, PARTICIPLE) and prev is not None:
                a = self._skip_word(a, b, "instead")
                owners = prev.subjects or prev.claimants
                attribution = AUTHOR if owners == (AUTHOR,) else INDIRECT
                frame = leading_frame(self.masked, a, b, allow_ing=True, window=1)
                if frame is not None:
                    span, belief = frame.content, frame.belief or prev.belief
                else:
                    span, belief = (a, b), prev.belief
                state = _State(owners, attribution, prev.subjects, belief)
            elif clause.link == COLON and prev is not None and prev.frame_only:
                state, span = self._fresh(a, b, after_quote=False, default=prev)
            else:
                state, span = self._fresh(a, b, after_quote=after_quote and index == 0)
            if index == 0 and state.claimants != (AUTHOR,):
                speaker = state.claimants
                self.last_speaker = speaker
            if span is not None and not state.frame_only:
                self._emit(*span, state.claimants, state.attribution, belief=state.belief, headline=headline,
                           participle=clause.link == PARTICIPLE)
            prev = state
        return speaker

    def _fresh(self, a: int, b: int, *, after_quote: bool, default: _State | None = None):
        masked = self.masked
        claimants: tuple[str, ...] = ()
        subjects: tuple[str, ...] = ()
        belief = False
        content: tuple[int, int] | None = (a, b)
        trailing = trailing_frame(masked, a, b)
        if trailing is not None:
            claimants = tuple(self.names.name(trailing.subject))
            content = trailing.content
        for depth in range(3):
            if content is None:
                break
            frame = leading_frame(masked, *content, allow_ing=depth == 0 and after_quote)
            if depth == 0 and after_quote and not claimants and (frame is None or frame.subject is None):
                inverted = inverted_subject(masked, *content)  # '"...," said the governor.'
                if inverted is not None:
                    claimants, content = tuple(self.names.name(inverted)), None
                    break
            if frame is None:
                break
            if depth > 0 and (frame.content is None or not self._claim_like(*frame.content, belief=frame.belief)):
                break  # "... the figures the agency has reported": a clause inside the content, not a frame
            named = tuple(self.names.name(frame.subject)) if frame.subject else ()
            if not named and depth == 0 and after_quote:
                named = self.last_speaker  # '"...," he added.' with the pronoun unresolved
            claimants = named or claimants
            subjects = named or subjects
            belief = belief or frame.belief
            content = frame.content
        if claimants:
            frame_only = content is None or not self._claim_like(*content, belief=belief)
            return _State(claimants, INDIRECT, subjects, belief, frame_only), content
        if default is not None:
            return _State(default.claimants, default.attribution, default.subjects), (a, b)
        stance = stance_start(masked, a, b)
        if stance is not None:
            owners = tuple(self.names.name(stance[1]))
            if owners:
                return _State(owners, INDIRECT, owners), (stance[0], b)
        if self._intro_participle(a, b):
            return _State((AUTHOR,), AUTHOR, frame_only=True), None
        start = self._strip_intro(a, b)
        self.names.mention(self._author_subject(start, b))
        return _AUTHOR_STATE, (start, b)

    def _author_subject(self, a: int, b: int) -> tuple[int, int] | None:
        toks = tokens(self.masked, a, b)
        for k, tok in enumerate(toks[:6]):
            if k and tok.lower in FINITE_AUX:
                return toks[0].start, toks[k - 1].end
        return None

    def _skip_word(self, a: int, b: int, word: str) -> int:
        toks = tokens(self.masked, a, b)
        if toks and toks[0].lower == word and len(toks) > 1:
            return toks[1].start
        return a

    def _intro_participle(self, a: int, b: int) -> bool:
        """"Pressed on whether ...": a leading participial phrase, not a clause."""
        toks = tokens(self.masked, a, b)
        return len(toks) > 2 and toks[0].capitalized and toks[0].lower.endswith("ed") \
            and toks[1].lower in ("about", "by", "on", "if", "whether", "for", "to", "in")

    def _strip_intro(self, a: int, b: int) -> int:
        """Drop a leading adverbial phrase ("After the meeting, ...") when a clause follows it."""
        toks = tokens(self.masked, a, b)
        if not toks or toks[0].lower not in _INTRO:
            return a
        for k in range(1, min(len(toks), 14)):
            if "," in self.masked[toks[k - 1].end:toks[k].start]:
                if has_verb(self.masked, toks[k].start, b) and not has_verb(self.masked, a, toks[k - 1].end):
                    return toks[k].start
                return a
        return a

    # -- output

    def _claim_like(self, s: int, e: int, *, belief: bool = False) -> bool:
        s, e = trim(self.text, s, e, self.masked)
        return len(words(self.masked[s:e])) >= 2 and self._has_predicate(s, e, belief=belief)

    def _has_predicate(self, s: int, e: int, *, belief: bool = False, headline: bool = False,
                       participle: bool = False) -> bool:
        """Something is asserted: a verb, a number or a stance; an infinitive after a belief
        frame ("expects the backlog to take"), a participle clause, a headline's predicate."""
        span = self.masked[s:e]
        return (has_verb(self.masked, s, e) or is_quantity(span) or has_stance(span, words(span))
                or (belief and _INFINITIVE.search(span) is not None)
                or (participle and words(span)[:1] != [] and words(span)[0].endswith("ing"))
                or _GERUND_WITH_OBJECT.search(span) is not None
                or (headline and _content_words(span)))

    def _emit(self, s: int, e: int, claimants: tuple[str, ...], attribution: str,
              *, belief: bool = False, quoted: bool = False, headline: bool = False,
              participle: bool = False) -> None:
        text, masked = self.text, self.masked
        s, e = trim(text, s, e, masked)
        m = _WRAPPER.match(masked, s, e)
        if m:
            s = m.end()
        if not quoted:
            e = self._drop_trailing_appositive(s, e)
        s, e = trim(text, s, e, masked)
        if e <= s:
            return
        span = masked[s:e]
        keep = (
            len(words(span)) >= 3
            and not _is_question(text, e)
            and not _UNCERTAIN.search(span)
            and not (_EVALUATIVE.search(span) and not is_quantity(span) and len(words(span)) <= 14)
            and not _STRONG_OPINION.search(span)
            and not _CONDITIONAL.match(span)
            and self._has_predicate(s, e, belief=belief, headline=headline, participle=participle)
        )
        if attribution == AUTHOR or not claimants:
            claimants, attribution = (AUTHOR,), AUTHOR
        for claimant in claimants:
            self.out.append(Candidate(s, e, claimant, attribution, belief=belief, quoted=quoted, keep=keep))

    def _drop_trailing_appositive(self, s: int, e: int) -> int:
        """", the largest port in the region" at the end of a clause describes, not claims."""
        toks = tokens(self.masked, s, e)
        for k in range(1, len(toks)):
            gap = self.masked[toks[k - 1].end:toks[k].start]
            if "," in gap and toks[k].lower in ("the", "a", "an") and k >= 4:
                if not has_verb(self.masked, toks[k].start, e) and not is_quantity(self.masked[toks[k].start:e]):
                    return toks[k - 1].end
        return e


def _content_words(span: str) -> bool:
    """A mixed-case headline with a lowercase content word has a predicate even when its
    verb is not recognised ("Dockworkers extend strike"); a bare name ("City Hall") has not."""
    return any(w[:1].islower() and w not in FUNCTION_WORDS for w in span.split())


def _is_question(text: str, end: int) -> bool:
    tail = text[end:end + 3]
    return "?" in tail.split(" ")[0] if tail else False


def to_claims(document: Document, candidates: Sequence[Candidate], types: Sequence[str | None]) -> list[Claim]:
    """Claims from typed candidates (a None type drops the candidate); ids in text order."""
    claims = []
    seen: set[tuple[int, int, str]] = set()
    for cand, claim_type in zip(candidates, types):
        if claim_type is None or (cand.start, cand.end, cand.claimant) in seen:
            continue
        seen.add((cand.start, cand.end, cand.claimant))
        claims.append(Claim(
            doc_id=document.doc_id, start=cand.start, end=cand.end, type=claim_type,
            claimant=cand.claimant, attribution=cand.attribution,
            text=document.text[cand.start:cand.end], id=f"c{len(claims) + 1}",
        ))
    return claims


@register_model("rules")
class RulesModel(Model):
    """Deterministic cue-word extractor (see module docstring); needs no training."""

    def predict(self, documents: Sequence[Document]) -> Mapping[str, Sequence[Claim]]:
        out = {}
        for document in documents:
            candidates = [c for c in extract_candidates(document) if c.keep]
            types = [rule_type(mask(document.text)[c.start:c.end], belief=c.belief) for c in candidates]
            out[document.doc_id] = to_claims(document, candidates, types)
        return out
