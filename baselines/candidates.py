"""Candidate claim segments of a document, each with who asserts it and how.

Per non-boilerplate line: quotations are found first (a quoted sentence is a *block* quote
whose speaker comes from the frame that follows or precedes it); the prose between them is
cut into sentences and clauses (``segment``); each clause loses its reporting frame, which
names the claimant (``attribution``, ``claimants``); what remains is judged claim-like or
not (opinions, uncertainty, questions, fragments: ``keep`` False). The ``rules`` baseline
types the kept candidates by cue words; ``transformer`` types (or drops) all of them with a
classifier; ``tagger`` finds its own spans and borrows only the claimant and attribution of
the candidate it overlaps (``frame_for``).
"""

from __future__ import annotations

import bisect

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bench.records import AUTHOR, Claim, Document

from .attribution import (
    DENIAL_VERBS, Quote, find_quotes, inverted_subject, leading_frame, stance_start, subject_span, trailing_frame,
)
from .claimants import Claimants
from .furniture import prose_lines
from .cues import (
    CONDITIONAL, EVALUATIVE, GERUND_WITH_OBJECT, INFINITIVE, INTRO, META, STRONG_OPINION, UNCERTAIN, WRAPPER, has_stance,
    is_quantity,
)
from .segment import (
    CLAUSE_COMMA, COLON, FINITE_AUX, FUNCTION_WORDS, NEW, PARTICIPLE, PREPOSITIONS, THAT, VP, has_verb,
    mask, split_clauses, split_sentences, tokens, trim, words,
)

DIRECT, INDIRECT = "direct", "indirect"


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
        for ls, le in prose_lines(self.text, self.masked):
            self._line(ls, le)
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
        emitted = (len(self.out), len(self.out))  # the candidates of the sentence's author-voice clauses so far
        sentence_from = len(self.out)
        for index, clause in enumerate(clauses):
            a, b = clause.start, clause.end
            if clause.link == THAT and prev is not None:
                state, span = prev, (a, b)
            elif clause.link in (VP, PARTICIPLE) and prev is not None:
                a = self._skip_word(a, b, "instead")
                owners = prev.subjects or prev.claimants
                attribution = AUTHOR if owners == (AUTHOR,) else INDIRECT
                frame = leading_frame(self.masked, a, b, allow_ing=True, window=1)
                trailing = trailing_frame(self.masked, a, b) if frame is None else None
                if frame is not None:
                    span, belief = frame.content, frame.belief or prev.belief
                elif trailing is not None and self.names.name(trailing.subject):
                    # "... and was sent home, the clinic said": the frame owns both predicates
                    owners = tuple(self.names.name(trailing.subject))
                    attribution, span, belief = INDIRECT, trailing.content, prev.belief
                    self._reattribute(emitted, owners)
                else:
                    span, belief = (a, b), prev.belief
                state = _State(owners, attribution, prev.subjects, belief)
            elif clause.link == COLON and prev is not None and prev.frame_only:
                state, span = self._fresh(a, b, after_quote=False, default=prev)
            else:
                state, span = self._fresh(a, b, after_quote=after_quote and index == 0)
            if state.frame_only and state.claimants != (AUTHOR,) and index > 0 and emitted[0] < emitted[1]:
                # "..., the operator said, and ...": a frame between clauses owns the clause before it
                self._reattribute(emitted, state.claimants)
                speaker = speaker or state.claimants
                self.last_speaker = state.claimants
                emitted = (len(self.out), len(self.out))
            if index == 0 and state.claimants != (AUTHOR,):
                speaker = state.claimants
                self.last_speaker = speaker
            before = len(self.out)
            # a headline's clauses assert without a verb we know ("Cleaners extend walkout"), but a
            # label before its colon ("City bus strike: ...") asserts nothing
            label = self.masked[clause.end:clause.end + 2].strip().startswith(":")
            if span is not None and not state.frame_only:
                self._emit(*span, state.claimants, state.attribution, belief=state.belief,
                           headline=headline and not label,
                           participle=clause.link == PARTICIPLE, predicate=clause.link == VP)
            if state.claimants == (AUTHOR,) and clause.link != THAT:
                emitted = (emitted[0] if emitted[1] == before else before, len(self.out))
            elif not state.frame_only:
                emitted = (len(self.out), len(self.out))
            prev = state
        self._relatives(s, e, sentence_from)
        return speaker

    def _relatives(self, s: int, e: int, emitted_from: int) -> None:
        """Non-restrictive relative clauses (", who reached the city with one bag,") that are claims
        of their own (GUIDELINES 12.9): spans nest inside the clause that holds them. One inside a
        reported clause is its source's (12.18), elsewhere the article's."""
        masked = self.masked
        for m in _RELATIVE.finditer(masked, s, e):
            a = m.start(1)
            found = CLAUSE_COMMA.search(masked, m.end(1), e)
            stop = found.start() if found else -1
            b = e if stop < 0 else stop
            a, b = trim(self.text, a, b, masked)
            if b <= a or len(words(masked[a:b])) < 3 or not has_verb(masked, m.end(1), b):
                continue
            if any(q in masked[a:b] for q in "\"“”") or _REPORTING.search(masked[a:b]) or _BIOGRAPHY.search(masked[a:b]):
                continue  # a frame ("which says ..."), or a speaker's biography ("who has lived there since 1990")
            holder = next((c for c in self.out[emitted_from:] if c.start <= a and b <= c.end and (c.start, c.end) != (a, b)),
                          None)
            if holder is not None and b == holder.end and stop < 0:
                # a relative clause that ends the sentence is split off, not nested (12.9 nests inserted ones)
                comma = masked.rfind(",", holder.start, a)
                if comma > holder.start:
                    self._shorten(holder.start, holder.end, comma, emitted_from)
            claimants = (holder.claimant,) if holder is not None else (AUTHOR,)
            attribution = holder.attribution if holder is not None else AUTHOR
            if any((c.start, c.end) == (a, b) for c in self.out[emitted_from:]):
                continue
            self._emit(a, b, claimants, attribution)

    def _shorten(self, start: int, end: int, new_end: int, emitted_from: int) -> None:
        """Cut the candidates spanning (start, end) to end at ``new_end``."""
        s, e = trim(self.text, start, new_end, self.masked)
        self.out[emitted_from:] = [replace(c, start=s, end=e) if (c.start, c.end) == (start, end) else c
                                   for c in self.out[emitted_from:]]

    def _reattribute(self, emitted: tuple[int, int], claimants: tuple[str, ...]) -> None:
        """Give the author-voice candidates ``self.out[a:b]`` to the speaker a later frame names."""
        a, b = emitted
        moved = [c for c in self.out[a:b] if c.claimant == AUTHOR]
        kept = [c for c in self.out[a:b] if c.claimant != AUTHOR]
        self.out[a:b] = kept + [replace(c, claimant=name, attribution=INDIRECT) for c in moved for name in claimants]

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
            if frame.figure:
                break
        if claimants:
            frame_only = content is None or not self._claim_like(*content, belief=belief) or self._adjunct(*content)
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
        person = self.names.mention(self._author_subject(start, b))
        if person is not None:
            self.last_speaker = (person,)  # a quote that follows with no frame is likeliest theirs
        return _AUTHOR_STATE, (start, b)

    def _adjunct(self, a: int, b: int) -> bool:
        """"in its weekly report, down from 300 in May": what follows a frame's verb is its own
        adjunct and a verbless tail (GUIDELINES 12.8), not a claim."""
        toks = tokens(self.masked, a, b)
        if not toks or not (toks[0].lower in PREPOSITIONS or toks[0].lower in _TAIL_OPENERS):
            return False
        comma = CLAUSE_COMMA.search(self.masked, a, toks[min(len(toks), 3) - 1].end + 1)
        rest = tokens(self.masked, comma.end(), b) if comma is not None else []
        if len(rest) >= 3 and rest[0].lower not in PREPOSITIONS and rest[0].lower not in _TAIL_OPENERS:
            return False  # "Of those, 4,210 passed ...": a short opening phrase before its clause
        return not has_verb(self.masked, a, b)

    def _author_subject(self, a: int, b: int) -> tuple[int, int] | None:
        toks = tokens(self.masked, a, b)
        for k, tok in enumerate(toks[:14]):
            if k and tok.lower in FINITE_AUX:
                return subject_span(self.masked, a, tok.start)
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
        if not toks or toks[0].lower not in INTRO:
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
        frame ("expects the queue to shrink"), a participle clause, a headline's predicate."""
        span = self.masked[s:e]
        return (has_verb(self.masked, s, e) or is_quantity(span) or has_stance(span, words(span))
                or words(span)[:1] != [] and words(span)[0] in DENIAL_VERBS
                or (belief and INFINITIVE.search(span) is not None)
                or (participle and words(span)[:1] != [] and words(span)[0].endswith("ing"))
                or GERUND_WITH_OBJECT.search(span) is not None
                or (headline and _content_words(span)))

    def _emit(self, s: int, e: int, claimants: tuple[str, ...], attribution: str,
              *, belief: bool = False, quoted: bool = False, headline: bool = False,
              participle: bool = False, predicate: bool = False) -> None:
        text, masked = self.text, self.masked
        s, e = trim(text, s, e, masked)
        m = WRAPPER.match(masked, s, e)
        if m:
            s = m.end()
        if not quoted:
            e = self._drop_trailing_appositive(s, e)
        s, e = trim(text, s, e, masked)
        if e <= s:
            return
        span = masked[s:e]
        keep = (
            (len(words(span)) >= 3 or (len(words(span)) == 2 and words(span)[0] in DENIAL_VERBS)
             or (predicate and has_verb(masked, s, e)))  # "The board met, voted and ...": however short (12.2)
            and not _is_question(text, e)
            and not UNCERTAIN.search(span)
            and not META.search(span)
            and not (EVALUATIVE.search(span) and not is_quantity(span) and len(words(span)) <= 14)
            and not STRONG_OPINION.search(span)
            and not (quoted and _FEELING.match(span))
            and not CONDITIONAL.match(span)
            and self._has_predicate(s, e, belief=belief, headline=headline, participle=participle)
        )
        if attribution == AUTHOR or not claimants or set(claimants) == {AUTHOR}:
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


# ", who ...", ", whose ...", ", which ...": a non-restrictive relative clause
_RELATIVE = re.compile(r",\s+(who|whose|which)\b")
_TAIL_OPENERS = frozenset({"compared", "up", "down"})  # "..., up from 9,800": a verbless tail (12.8)
_REPORTING = re.compile(r"\b(?:says|said|say|told|tells|reported|reports)\b")
_BIOGRAPHY = re.compile(r"\b(?:since\s+(?:1[89]|20)\d\d|for\s+\w+\s+(?:years|decades|generations))\b|\bnow\s+lives\b")
# A speaker's own feeling, wish or assumption is no claim (GUIDELINES 12.13)
_FEELING = re.compile(
    r"(?:I|we)'d\s+like\b|(?:I|we)\s+(?:just\s+|really\s+|still\s+|only\s+)?(?:thought|feel|felt|wish|wished|assumed|would\s+like|"
    r"won't\s+pretend|am\s+(?:angry|sad|glad|happy|sorry|proud)|hope|hoped|love|loved|miss|missed|"
    r"(?:just\s+)?want(?:ed)?\s+to\s+know)\b", re.IGNORECASE)


def _content_words(span: str) -> bool:
    """A mixed-case headline with a lowercase content word has a predicate even when its
    verb is not recognised ("Cleaners extend walkout"); a bare name ("City Hall") has not."""
    return any(w[:1].islower() and w not in FUNCTION_WORDS for w in span.split())


def _is_question(text: str, end: int) -> bool:
    tail = text[end:end + 3]
    return "?" in tail.split(" ")[0] if tail else False


def without_nested(masked: str, candidates: Sequence[Candidate]) -> list[str]:
    """The text of each candidate with the claims nested inside it blanked: "The school, which has 300
    pupils, closed" is typed by "The school, ..., closed" (the figure is the inner claim's). The
    candidates inside one are found by bisection and each text is built once, so a sentence of
    thousands of clauses costs what its text does."""
    order = sorted(range(len(candidates)), key=lambda k: candidates[k].start)
    starts = [candidates[k].start for k in order]
    texts = []
    for cand in candidates:
        inner = sorted((candidates[order[j]].start, candidates[order[j]].end)
                       for j in range(bisect.bisect_right(starts, cand.start), bisect.bisect_left(starts, cand.end))
                       if candidates[order[j]].end < cand.end)
        pieces, at = [], cand.start
        for a, b in inner:
            if b <= at:
                continue  # inside what is blanked already
            if a > at:
                pieces.append(masked[at:a])
            pieces.append(" " * (b - max(a, at)))
            at = b
        pieces.append(masked[at:cand.end])
        texts.append("".join(pieces))
    return texts


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


def snap(spans: Sequence[tuple[int, int, str]], candidates: Sequence[Candidate],
         min_iou: float = 0.3) -> list[tuple[int, int, str]]:
    """Spans found by other means (``tagger``) moved onto clause boundaries: each (start, end, type)
    takes the boundaries of the candidate segment it overlaps best (character IoU at least
    ``min_iou``); a span that fits no candidate is a fragment and is dropped, and two spans that
    land on the same segment give one (the first). Types are kept."""
    segments = sorted({(c.start, c.end) for c in candidates})
    out: list[tuple[int, int, str]] = []
    taken: set[tuple[int, int]] = set()
    for start, end, claim_type in spans:
        best, where = 0.0, None
        for a, b in segments:
            if b <= start or a >= end:
                continue
            iou = (min(b, end) - max(a, start)) / (max(b, end) - min(a, start))
            if iou > best:
                best, where = iou, (a, b)
        if where is not None and best >= min_iou and where not in taken:
            taken.add(where)
            out.append((*where, claim_type))
    return out


def frame_for(candidates: Sequence[Candidate], start: int, end: int) -> tuple[str, str]:
    """(claimant, attribution) of a span found by other means (``tagger``): those of the
    candidate it overlaps most, in characters; on a tie the first in text order (the order
    ``extract_candidates`` returns); ``author``/``author`` when it overlaps none."""
    best, frame = 0, (AUTHOR, AUTHOR)
    for cand in candidates:
        overlap = min(end, cand.end) - max(start, cand.start)
        if overlap > best:
            best, frame = overlap, (cand.claimant, cand.attribution)
    return frame
