"""Cue words that type a claim, in the guidelines' decision order, and cues of non-claims.

General English only: numbers and amounts, futures and modals, stance verbs, obligations,
evaluative and uncertain wording. Shared by every baseline that types or filters text.
"""

from __future__ import annotations

import re

from .segment import FINITE_AUX, STANCE_VERBS, words
from .attribution import BE, is_pronoun_subject
from .numbers import has_figure

# ---------------------------------------------------------------- type cues

FUTURE = re.compile(
    r"\b(?:will|won't|shall|going\s+to|can|cannot|can't|could|couldn't|may|might|"
    r"be\s+able\s+to|about\s+to|set\s+to|set\s+for|due\s+to|due\s+(?:on|in|by|next)|scheduled|expected\s+to|"
    r"(?:is|are|was|were)\s+expected|(?<!most\s)likely|unlikely|possible|impossible|forecasts?|predicts?|soon|"
    r"next\s+(?:week|month|year))\b|'ll\b",
    re.IGNORECASE,
)
_COMMIT_FUTURE = re.compile(r"\b(?:will|won't|shall|would|wouldn't|going\s+to)\b|'ll\b", re.IGNORECASE)
# "would" in reported speech is the past of a commitment ("said it would not raise its bid",
# "agreed that the city would pay for repairs"), not a forecast
_REPORTED_WOULD = re.compile(r"\b(?:would|wouldn't)\b", re.IGNORECASE)
_IF = re.compile(r"\b(?:if|unless)\b", re.IGNORECASE)  # "would ... if": a conditional forecast, not a commitment
_OBLIGATION = re.compile(
    r"\b(?:must|should|ought\s+to|has\s+to|have\s+to|had\s+to|needs?|needed\s+to|call(?:s|ed|ing)?\s+(?:on|upon|for|off)|"
    r"ready['’\"”]?\s+(?:to|for)|willing\s+to|prepared\s+to|tight-lipped|no\s+comment|commitments?|"
    r"plans?\s+to|planned\s+to|planning\s+to|ruled?\s+out|rules\s+out|(?<!been\s)(?<!being\s)(?<!was\s)(?<!were\s)(?<!not\s)(?:asked|asks|asking|ask)\s+(?:\w+\s+){0,3}?(?:to|for)|"
    r"welcom(?:e|es|ed)\b|(?:would|will|could)\s+not\s+comment|"
    r"(?:portray|present|describe|label)(?:s|ed|ing)?\b[^.]*\bas)\b",
    re.IGNORECASE,
)
_EXPECT_FROM = re.compile(r"\bexpect\w*\b(?:(?!\bthat\b|\bto\b)[^.])*\bfrom\b", re.IGNORECASE)
_AS_VERBS = frozenset({"present", "presents", "presented", "describe", "describes", "described", "label",
                       "labels", "labelled", "labeled", "portray", "portrays", "portrayed"})
_PURPOSE = re.compile(r"\b(?:in\s+order\s+to|so\s+as\s+to|so\s+that)\b.*$", re.IGNORECASE | re.DOTALL)

# ---------------------------------------------------------------- non-claims

UNCERTAIN = re.compile(
    r"\b(?:unclear|uncertain|not\s+(?:yet\s+)?clear|not\s+known|unknown|remains\s+to\s+be\s+seen|anyone'?s\s+guess|"
    r"(?:could|can|cannot|can't)\s*(?:not\s+)?be\s+(?:independently\s+)?(?:verified|confirmed))\b", re.I)
# The page speaking of itself ("our live coverage", "we'll be back"): no claim about the world
META = re.compile(
    r"\b(?:our|this)\s+(?:live\s+)?(?:coverage|page|blog|updates|live\s+page)\b|\bwelcome\s+to\s+our\b|"
    r"\bwe(?:'ll|\s+will)\s+be\s+back\b|\bhere\s+is\s+where\s+things\s+stand\b|\bwe(?:'re|\s+are)\s+(?:pausing|closing)\b|"
    r"\bthis\s+(?:post|article|story|report)\s+(?:has\s+been|was)\s+(?:corrected|updated|amended)\b|\ban\s+earlier\s+version\b|"
    r"\bbring\s+you\s+(?:the\s+latest|updates|more)\b",
    re.IGNORECASE)
EVALUATIVE_WORDS = (
    r"clear|perfect|smooth|smoothly|fragile|delicate|difficult|good|bad|badly|great|terrible|brutal|"
    r"important|optimistic|pessimistic|ideal|easy|hard|complicated|tragic|unacceptable|excellent|"
    r"crucial|vital|wonderful|horrible|awful|dire|grim|fine|well|nice|sad|happy|proud|pleased|"
    r"disappointed|outrageous|shameful|ridiculous|absurd|strange|remarkable|disgraceful|shocking|upbeat|candid|"
    r"convinced|sure|resigned|relieved|furious|angry|anxious|nervous|worried|divided|split|"
    r"worrying|concerning|encouraging|positive|negative|hopeful|confident|regrettable|unfortunate"
)
STRONG_OPINION = re.compile(r"\bamong\s+the\s+(?:most|least|worst|best)\b|\bno\s+doubt\b", re.IGNORECASE)
EVALUATIVE = re.compile(
    r"\b(?:is|are|was|were|remains?|remained|seems?|seemed|looks?|looked|feels?|felt|be)\s+"
    r"(?:[\"“”']?(?:very|so|quite|too|extremely|really|not|all|initially|increasingly|particularly|"
    r"rather|more|most|less|of|a|an|going|now|still|also|always)\s+)*[\"“”']?(?:" + EVALUATIVE_WORDS + r")\b"
    r"|\bamong\s+the\s+(?:most|least|worst|best)\b|\bno\s+doubt\b",
    re.IGNORECASE,
)
WRAPPER = re.compile(r"it\s+(?:is|was|seems|seemed|appears|appeared)\s+[^,.]{1,40}?\bthat\s+", re.IGNORECASE)
GERUND_WITH_OBJECT = re.compile(
    r"\b[a-z]{3,}ing\s+(?:the|a|an|its|his|her|their|our|my|them|him|us|it)\b")
CONDITIONAL = re.compile(r"(?:if|unless|whether)\b", re.IGNORECASE)
INFINITIVE = re.compile(r"\bto\s+[a-z]{3,}")
INTRO = frozenset({
    "after", "before", "during", "earlier", "following", "later", "in", "on", "at", "since",
    "despite", "under", "amid", "meanwhile", "nevertheless", "however", "when", "as", "with",
    "upon", "over", "within", "throughout",
})


# ---------------------------------------------------------------- typing

def is_quantity(text: str) -> bool:
    """A count, amount or measured value: a figure the quantity normaliser finds (``numbers``),
    outside a purpose clause; dates, times, ages, names and descriptors ("two-room") are none."""
    return has_figure(_PURPOSE.sub("", text))


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
    if _REPORTED_WOULD.search(core):
        return "prediction" if _IF.search(core) or re.search(r"\bwhich\s+would\b", core, re.I) else "position"
    return "event"


def _month_names(text: str) -> str:
    """"since May 16", "in May", "due in May": a month, not the modal. A capitalised "May"
    inside a sentence, or before a day or a year, is the month."""
    text = re.sub(r"\bMay(?=\s+\d)", "Month", text)
    return re.sub(r"(?<=\w)(\W+)May\b", lambda m: m.group(1) + "Month", text)


def has_stance(core: str, ws: list[str]) -> bool:
    """A stance verb, call, obligation or readiness in ``core`` (its words ``ws``)."""
    if _OBLIGATION.search(core) or _EXPECT_FROM.search(core):
        return True
    for i, w in enumerate(ws):
        if w in STANCE_VERBS and w not in _AS_VERBS:
            if i and ws[i - 1] in ("the", "a", "an", "this", "these", "their", "its", "his", "her", "who", "which"):
                continue
            if any(p in BE for p in ws[max(0, i - 2):i]):
                continue  # passive: "are being urged", "was offered" -- no holder
            if i + 1 < len(ws) and ws[i + 1] in FINITE_AUX:
                continue  # a noun: "the deposit guarantee does not ..."
            if w.startswith("reject") and (ws[i + 1:i + 2] and ws[i + 1] in _REPORTED_THINGS or (
                    ws[i + 2:i + 3] and ws[i + 1] in ("that", "this", "the", "those", "these", "any", "her", "his", "their")
                    and ws[i + 2] in _REPORTED_THINGS)) \
                    and not _OWN_INTENT.search(" ".join(ws[i + 1:])):
                continue  # a denial of a fact ("rejected suggestions that ..."), typed by its content (12.4)
            return True
    return False


_REPORTED_THINGS = frozenset({"suggestions", "suggestion", "claims", "claim", "allegations", "allegation", "accusations",
                              "accusation", "reports", "report", "explanation", "account", "figure", "figures",
                              "version", "findings"})
_OWN_INTENT = re.compile(r"\b(?:plan\w*|intend\w*|would|will|wants?|going\s+to)\b")
