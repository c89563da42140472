"""Figures in text and their normalised values: the quantity layer as general English rules.

A figure is a number (digits with separators and decimals, number words such as "two
thousand" or "a dozen", fractions such as "half" or "a third", magnitudes such as "1.5
million", percentages and amounts of money), a vague plural numeral ("dozens",
"thousands", "tens of thousands") or "several" before a noun. Around it:

- hedge words before it ("some", "about", "roughly", "nearly", …) set ``approximate``;
- bound words ("up to", "more than", "at least", "fewer than", …) set the interval;
- "%", "per cent", a currency sign, a fraction word or a measure word sets the unit;
- ``counted`` is the noun phrase that follows ("1,200 striking dock workers"), else "of …"
  after a fraction, else the nearest plural noun before it.

Not figures: dates (a month or weekday beside the number, a year), times, time frames
("in the past 48 hours", "this month", "for two years"), ages between commas after a name,
ordinals, and numbers glued to letters, hyphens or slashes (names, codes, URLs). Lines of
furniture are skipped (``furniture.prose_lines``). Nothing here is specific to any
article; ``find_quantities`` returns dicts in the prediction format of the ``quantities``
task.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bench.checks import number_problem

from .furniture import prose_lines
from .segment import FUNCTION_WORDS, MONTHS, WEEKDAYS, lines, mask

ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
          "trillion": 1_000_000_000_000, "mln": 1_000_000, "bn": 1_000_000_000, "m": 1_000_000, "k": 1_000}
# adjectives a share can qualify: "a quarter full", "a third complete"
_SHARE_STATES = frozenset({"full", "empty", "complete", "completed", "done", "finished", "built", "occupied", "vaccinated"})
FRACTIONS = {"half": 0.5, "third": 1 / 3, "quarter": 0.25, "fifth": 0.2, "tenth": 0.1}
# Vague plurals: the lower bound each allows (gold/GUIDELINES.md, section 10.3).
VAGUE = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2_000, "millions": 2_000_000,
         "billions": 2_000_000_000, "several": 3}
CURRENCIES = {"£": "GBP", "$": "USD", "€": "EUR", "¥": "JPY", "₹": "INR"}
CURRENCY_WORDS = {"pounds": "GBP", "pound": "GBP", "dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR"}
MEASURES = {
    "hour": "hour", "hours": "hour", "minute": "minute", "minutes": "minute", "km": "km", "kilometres": "km",
    "kilometers": "km", "kilometre": "km", "kilometer": "km", "miles": "mile", "mile": "mile", "metres": "metre",
    "meters": "metre", "metre": "metre", "meter": "metre", "millimetres": "millimetre", "millimeters": "millimetre",
    "centimetres": "centimetre", "centimeters": "centimetre", "seconds": "second", "tonnes": "tonne", "tonne": "tonne", "tons": "ton", "ton": "ton", "kg": "kg",
    "kilograms": "kg", "litres": "litre", "liters": "litre", "barrels": "barrel", "acres": "acre",
    "hectares": "hectare", "megawatts": "MW", "mw": "MW",
}
# Words after a number that make it a time frame or a duration, not a figure.
TIME_UNITS = frozenset({"year", "years", "month", "months", "week", "weeks", "day", "days", "decade", "decades",
                        "century", "centuries", "a.m", "p.m", "am", "pm", "o'clock", "years-old", "year-old"})
# Lengths of time: a mention only as an amount (GUIDELINES 12.1), never as an adverbial of time
DURATION_UNITS = {"second": "second", "seconds": "second", "minute": "minute", "minutes": "minute", "hour": "hour",
                  "hours": "hour", "day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month",
                  "months": "month", "year": "year", "years": "year"}
DURATION_VERBS = frozenset({"last", "lasts", "lasted", "lasting", "take", "takes", "took", "taking", "spend", "spends",
                            "spent", "spending", "face", "faces", "faced", "facing", "serve", "serves", "served",
                            "carries", "carry", "carried", "of", "by", "extended", "delayed", "slipped", "given"})
# Hedges set ``approximate``; bounds set the interval: (side, inclusive).
HEDGES = ("approximately", "an estimated", "estimated", "close to", "roughly", "nearly", "almost", "around",
          "about", "some", "circa", "approx", "~")
BOUNDS = {
    "up to": ("high", True), "at most": ("high", True), "no more than": ("high", True), "as many as": ("high", True),
    "fewer than": ("high", False), "less than": ("high", False), "under": ("high", False), "below": ("high", False),
    "more than": ("low", False), "over": ("low", False), "above": ("low", False), "in excess of": ("low", False),
    "upwards of": ("low", False), "at least": ("low", True), "no fewer than": ("low", True),
    "no less than": ("low", True), "a minimum of": ("low", True), "a maximum of": ("high", True),
}
LEAD_INS = ("a total of",)  # kept in the span, change nothing; "a further 3%" is the span "3%" (an addition)
STOP_AFTER = FUNCTION_WORDS | frozenset({"have", "has", "had", "were", "was", "are", "is", "will", "would", "had",
                                         "been", "be", "said", "say", "says", "who", "which", "that"})

_NUMBER = re.compile(r"(?<![\w./-])([£$€¥₹])?\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(bn|mn|m|k)?(?:\s?(%))?(?![\w/-]|\.\d)")
# a magnitude glued to the number ("£41m", "€300k", "2bn"); "m" and "k" only after a currency sign (else metres)
GLUED = {"bn": 1_000_000_000, "mn": 1_000_000, "m": 1_000_000, "k": 1_000}
# a measure's unit glued to the number ("118mm", "34C", "11km"): the unit as the text writes it
_GLUED_MEASURE = re.compile(r"(?<![\w./-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?°?(mm|cm|km|kg|mph|kph|ha|MW|GW|C|F)(?![\w/-]|\.\d)")
# a number that names something ("Route 17", "Berth 7", "Terminal 2"): a capitalised word right before it
_NAME_BEFORE = re.compile(r"\b([A-Z][a-z]+)\s$")
# capitalised words that open a sentence before a figure without naming anything ("About 40", "Nearly 300")
_OPENERS = frozenset({"about", "some", "nearly", "almost", "around", "roughly", "approximately", "over", "under",
                      "only", "just", "exactly", "more", "fewer", "less", "up", "another", "all", "between", "from",
                      "and", "than", "least", "most", "another", "further", "additional", "estimated", "total",
                      "by", "to", "of", "at", "in", "on", "for", "with", "after", "since", "until"})
_CLOCK_AFTER = re.compile(r"\s*(?:[ap]\.?m\b|o\W?clock|GMT|UTC|BST)", re.IGNORECASE)
# "at 7.15 this evening": a clock time with its part of the day
_DAY_PART_AFTER = re.compile(r"\s+(?:this\s+(?:morning|afternoon|evening)|tonight|last\s+night|in\s+the\s+(?:morning|afternoon|evening))\b",
                             re.IGNORECASE)
_TALLIES = frozenset({"toll", "figure", "figures", "number", "numbers", "total", "count", "tally", "death", "deaths"})
_CLOCK_BEFORE = frozenset({"at", "after", "before", "until", "till", "by", "past", "since", "around"})
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*|\d[\d,.]*")
_QUOTES = "\"“”‘’'"
VERBS_OF_CHANGE = frozenset({"rise", "rises", "rose", "risen", "fall", "falls", "fell", "fallen", "increase",
                             "increases", "increased", "grow", "grows", "grew", "drop", "drops", "dropped",
                             "climb", "climbs", "climbed", "jump", "jumps", "jumped", "cut", "cuts"})
_PER_CENT = re.compile(r"\s*(?:per\s?cent|percent)\b", re.IGNORECASE)


@dataclass(slots=True)
class Figure:
    start: int
    end: int
    low: float | None
    high: float | None
    low_inclusive: bool
    high_inclusive: bool
    approximate: bool
    unit: str
    counted: str | None

    def to_dict(self, doc_text: str) -> dict:
        out = {"start": self.start, "end": self.end, "text": doc_text[self.start:self.end], "low": _num(self.low),
               "high": _num(self.high), "low_inclusive": self.low_inclusive, "high_inclusive": self.high_inclusive,
               "approximate": self.approximate, "unit": self.unit}
        if self.counted:
            out["counted"] = self.counted
        return out


def _num(value: float | None):
    if value is None:
        return None
    return int(value) if float(value).is_integer() and abs(value) < 2 ** 53 else value


def find_quantities(text: str) -> list[dict]:
    """Every figure of a document's text, as quantity records (see the module docstring)."""
    masked = mask(text)
    found: list[Figure] = []
    for ls, le in prose_lines(text, masked):
        found.extend(_line_figures(text, masked, ls, le))
    found.sort(key=lambda f: (f.start, f.end))
    out, last_end = [], -1
    for figure in found:
        if figure.start >= last_end:
            record = figure.to_dict(text)
            # a figure beyond the range the format takes (a 400-digit number) is no checkable quantity
            if all(record[bound] is None or number_problem(bound, record[bound]) is None for bound in ("low", "high")):
                out.append(record)
            last_end = figure.end
    return out


def has_figure(text: str) -> bool:
    """Whether a stretch of text (a claim, one line) holds a figure the normaliser finds."""
    masked = mask(text)
    return any(True for ls, le in lines(text) for _ in _line_figures(text, masked, ls, le))


# ---------------------------------------------------------------- one line

@dataclass(slots=True)
class _Core:
    """A bare number expression: where, what value, and whether it is vague or a fraction."""

    start: int
    end: int
    value: float
    kind: str  # "number", "vague", "fraction", "majority", "range"
    unit: str = "count"
    high: float | None = None  # the upper end of a "range" ("40-60")


def _line_figures(text: str, masked: str, ls: int, le: int) -> list[Figure]:
    cores = sorted(_range_cores(masked, ls, le), key=lambda r: r.start)
    starts = [r.start for r in cores]
    reach_by = list(itertools.accumulate((r.end for r in cores), max))  # furthest end of the ranges so far
    cores += [c for c in _digit_cores(masked, ls, le) + _word_cores(masked, ls, le)
              if not (k := bisect.bisect_right(starts, c.start)) or reach_by[k - 1] <= c.start]
    cores = [c for c in cores if c.kind not in ("number", "range") or not _not_a_figure(masked, c, ls, le)]
    figures: list[Figure] = []
    reach = -1  # the furthest end of a figure so far
    ordered = sorted(cores, key=lambda c: (c.start, -c.end))
    k = 0
    while k < len(ordered):
        core = ordered[k]
        k += 1
        # every figure so far starts at or before this core (cores come in order and a figure starts at
        # or before its own), so the core is inside one exactly when it starts before their furthest end
        if core.start < reach:
            continue
        partner = ordered[k] if k < len(ordered) else None
        lead = _range_lead(masked, core, partner, ls)
        if lead is not None:
            figures.append(_range(text, masked, core, partner, lead, ls, le))
            k += 1
        else:
            figures.append(_figure(text, masked, core, ls, le, figures[-1] if figures else None))
        reach = max(reach, figures[-1].end)
    return figures


def _range_lead(masked: str, low: _Core, high: _Core | None, ls: int) -> int | None:
    """Where a range of two numbers starts: "between 40 and 60", "(anywhere) from £1 to £2", "40-60"."""
    if high is None or low.kind != "number" or high.kind != "number" or high.value < low.value:
        return None
    gap = masked[low.end:high.start]
    if gap in ("-", "–") and masked[low.start:low.end][:1].isdigit():
        return low.start
    before = masked[max(ls, low.start - 20):low.start].lower()
    if re.fullmatch(r"\s*and\s*", gap):
        m = re.search(r"\bbetween\s*$", before)
    elif re.fullmatch(r"\s*to\s*", gap):
        m = re.search(r"\banywhere\s+from\s*$", before)  # "grew from 10 to 15 members" is a change
    else:
        return None
    return low.start - len(before) + m.start() if m else None


def _range(text: str, masked: str, low: _Core, high: _Core, start: int, ls: int, le: int) -> Figure:
    """One mention for a range, both ends inclusive (GUIDELINES 10.3); its unit is the ends' own."""
    unit = high.unit if high.unit != "count" else low.unit
    lead = masked[max(ls, start - 40):start].lower()
    approximate = False
    for phrase in HEDGES:
        m = re.search(rf"(?:^|\W)({re.escape(phrase)})\s*$", lead)
        if m:
            approximate, start = True, start - len(lead) + m.start(1)
            break
    counted = _counted(text, masked, _Core(low.start, high.end, high.value, "number", unit), ls, le)
    return Figure(start, high.end, low.value, high.value, True, True, approximate, unit, counted)


_DIGIT_RANGE = re.compile(r"(?<![\w./:-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?[-–]\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w/:-]|\.\d)")


def _range_cores(masked: str, ls: int, le: int) -> list[_Core]:
    """"40-60 a week": one range (GUIDELINES 10.3); not a score ("1-1") nor a span of years ("2016-2019")."""
    cores = []
    for m in _DIGIT_RANGE.finditer(masked, ls, le):
        low = _value(m.group(1).replace(",", "") + (m.group(2) or ""))
        high = _value(m.group(3).replace(",", "") + (m.group(4) or ""))
        if low is None or high is None or not low < high:
            continue
        if re.fullmatch(r"(?:1[5-9]|20)\d\d", m.group(1)) and re.fullmatch(r"(?:1[5-9]|20)?\d\d", m.group(3)):
            continue
        cores.append(_Core(m.start(), m.end(), low, "range", high=high))
    return cores


def _digit_cores(masked: str, ls: int, le: int) -> list[_Core]:
    cores = []
    for m in _NUMBER.finditer(masked, ls, le):
        currency, integer, decimals, glued, percent = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)
        if glued and glued in ("m", "k") and not currency:
            continue  # "41m" alone: metres or a code, not a sum
        value = _value(integer.replace(",", "") + (decimals or ""), GLUED[glued] if glued else 1)
        if value is None:
            continue  # too large to be a finite number: no figure a reader could check
        start, end = (m.start(1) if currency else m.start(2)), m.end()
        unit = CURRENCIES[currency] if currency else "count"
        tail = _words_after(masked, end, le, 2)
        if not glued and tail and tail[0][0].lower() in SCALES and not (tail[0][0] == "m" and not currency):
            value = _value(repr(value), SCALES[tail[0][0].lower()])
            if value is None:
                continue
            end = tail[0][2]
            tail = _words_after(masked, end, le, 2)
        if percent:
            unit = "percent"
        else:
            per = _PER_CENT.match(masked, end, le)
            if per:
                unit, end = "percent", per.end()
            elif tail and tail[0][0].lower() in CURRENCY_WORDS:
                unit = CURRENCY_WORDS[tail[0][0].lower()]
            elif tail and tail[0][0].lower().rstrip("'’") in MEASURES:
                unit = MEASURES[tail[0][0].lower().rstrip("'’")]
        cores.append(_Core(start, end, value, "number", unit))
    for m in _GLUED_MEASURE.finditer(masked, ls, le):
        value = _value(m.group(1).replace(",", "") + (m.group(2) or ""))
        if value is not None:
            cores.append(_Core(m.start(), m.end(), value, "number", m.group(3)))
    return cores


def _value(digits: str, scale: int = 1) -> float | None:
    """``digits`` times ``scale`` as a float without binary noise ("4.1" x 1e6 is 4100000), None when not finite."""
    try:
        value = float(Decimal(digits) * scale)
    except (InvalidOperation, OverflowError):
        return None
    return value if math.isfinite(value) else None


def _word_cores(masked: str, ls: int, le: int) -> list[_Core]:
    """Number words, fractions, vague plurals, "a dozen", "a single"."""
    words = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(masked, ls, le)]
    cores = []
    k = 0
    while k < len(words):
        word, start, end = words[k]
        prev = words[k - 1][0] if k else ""
        if word in VAGUE:
            if word == "several" and (k + 1 >= len(words) or words[k + 1][0] in STOP_AFTER):
                k += 1
                continue
            if word in ("tens", "hundreds") and k + 2 < len(words) and words[k + 1][0] == "of" \
                    and words[k + 2][0] in ("thousands", "millions"):
                value = {"tens": 10, "hundreds": 100}[word] * VAGUE[words[k + 2][0]]
                cores.append(_Core(start, words[k + 2][2], value, "vague"))
                k += 3
                continue
            cores.append(_Core(start, end, VAGUE[word], "vague"))
        elif word == "tens" and k + 2 < len(words) and words[k + 1][0] == "of" and words[k + 2][0] == "thousands":
            cores.append(_Core(start, words[k + 2][2], 20_000, "vague"))
            k += 3
            continue
        elif word in FRACTIONS or ("-" in word and _fraction_word(word.split("-")[-1]) in FRACTIONS):
            lead = _fraction_lead(words, k)
            if lead is not None:
                first, numerator = lead
                cores.append(_Core(words[first][1], end, numerator * FRACTIONS[_fraction_word(word.split("-")[-1])],
                                   "fraction", "fraction"))
        elif word in ("majority",) and prev in ("a", "the"):
            cores.append(_Core(words[k - 1][1], end, 0.5, "majority", "fraction"))
        elif word == "dozen":
            first = k - 1 if prev in ("a", "one") else k
            cores.append(_Core(words[first][1], end, 12, "number"))
        elif word == "twice" and prev not in ("than", "think", "thought"):
            cores.append(_Core(start, end, 2, "number"))  # "had to stop twice" (GUIDELINES 12.16)
        elif word == "single" and prev == "a" and not any(w[0] in ("not", "no", "never") for w in words[max(0, k - 6):k]):
            cores.append(_Core(words[k - 1][1], end, 1, "number"))
        elif word in ONES or word in TENS or (word.split("-")[0] in TENS and "-" in word):
            value, last = _spelled(words, k)
            if value is not None and prev == "the" and value <= 10:
                k = last + 1  # "the three partners": a reference to known parties, not a count
                continue
            if value is not None and not (value == 1 and not _counts_one(words, k)):
                cores.append(_Core(start, words[last][2], value, "number"))
                k = last + 1
                continue
        k += 1
    return cores


def _fraction_word(word: str) -> str:
    """"thirds" -> "third", "halves" -> "half", "quarters" -> "quarter"."""
    return "half" if word == "halves" else word[:-1] if word.endswith("s") and word[:-1] in FRACTIONS else word


def _fraction_lead(words, k: int) -> tuple[int, float] | None:
    """Where a fraction starts and its numerator: "half", "a third", "two-thirds" -> (index, numerator)."""
    word = words[k][0]
    if "-" in word:  # "two-thirds"
        head = word.split("-")[0]
        return (k, ONES[head]) if head in ONES else None
    prev = words[k - 1][0] if k else ""
    if word == "half":
        return (k - 1, 1.0) if prev in ("a", "one") else (k, 1.0)
    if prev in ("a", "one"):
        nxt = words[k + 1][0] if k + 1 < len(words) else ""
        if nxt and nxt != "of" and nxt not in STOP_AFTER and nxt not in _SHARE_STATES and not nxt.endswith("s"):
            return None  # "a third reception centre": an ordinal, not a share ("a quarter full" is one)
        return k - 1, 1.0
    if prev in ONES and prev not in ("one", "zero") and word.endswith("s"):
        return k - 1, ONES[prev]
    return None


def _spelled(words, k: int) -> tuple[float | None, int]:
    """The value of number words starting at ``k`` ("two thousand", "twenty-five"), and the last index."""
    total, current, last = 0, 0, k
    j = k
    while j < len(words):
        word = words[j][0]
        parts = word.split("-") if "-" in word else [word]
        if all(p in ONES or p in TENS for p in parts):
            current += sum(ONES.get(p, TENS.get(p, 0)) for p in parts)
        elif word in SCALES and word not in ("m", "k", "mln", "bn") and j > k:
            scale = SCALES[word]
            if scale == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * scale
                current = 0
        elif word == "and" and j > k and j + 1 < len(words) and (words[j + 1][0] in ONES or words[j + 1][0] in TENS):
            j += 1
            continue
        else:
            break
        last = j
        j += 1
    value = total + current
    return (float(value), last) if last >= k else (None, k)


def _counts_one(words, k: int) -> bool:
    """"one" counts when a noun follows ("one lawmaker"), not in "one of", "no one", "one another"."""
    prev = words[k - 1][0] if k else ""
    nxt = words[k + 1][0] if k + 1 < len(words) else ""
    if nxt == "of":  # "One of the buses": one of a group; not "is one of several" (a member, not a count)
        after = words[k + 2][0] if k + 2 < len(words) else ""
        return prev not in ("is", "was", "are", "were", "be", "been", "no", "any", "every", "the", "this", "that",
                            "single") \
            and after in ("the", "its", "their", "them", "those", "these", "his", "her", "our", "us")
    after = words[k + 2][0] if k + 2 < len(words) else ""
    if nxt in TIME_UNITS or after in TIME_UNITS:
        return False  # "one good week from now": a time frame
    return prev not in ("no", "not", "any", "every", "some", "each", "the", "this", "that", "single") and nxt not in (
        "of", "another", "day", "time", "point", "way", "hand", "side", "go", "") and nxt not in STOP_AFTER


def _words_after(masked: str, pos: int, end: int, n: int) -> list[tuple[str, int, int]]:
    """Up to ``n`` tokens (words and numbers) right after ``pos``, up to the first punctuation but quotes."""
    out = []
    for m in _TOKEN.finditer(masked, pos, end):
        if masked[pos:m.start()].strip(" " + _QUOTES):  # punctuation in between: the phrase ended
            break
        out.append((m.group(), m.start(), m.end()))
        pos = m.end()
        if len(out) >= n:
            break
    return out


def _words_before(masked: str, pos: int, start: int, n: int) -> list[tuple[str, int, int]]:
    """Up to ``n`` words right before ``pos`` (nearest first), back to the first punctuation but quotes."""
    found = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(masked, max(start, pos - 80), pos)]
    out = []
    for word in reversed(found):
        if masked[word[2]:(out[-1][1] if out else pos)].strip(" " + _QUOTES):
            break
        out.append(word)
        if len(out) >= n:
            break
    return out


def _not_a_figure(masked: str, core: _Core, ls: int, le: int) -> bool:
    """Dates, years, times, time frames and ages are not figures."""
    before = [w[0].lower() for w in _words_before(masked, core.start, ls, 3)]
    after = [w[0].lower() for w in _words_after(masked, core.end, le, 1)]
    number = masked[core.start:core.end]
    if (before and before[0].rstrip(".") in MONTHS | WEEKDAYS) or (after and after[0].rstrip(".") in MONTHS):
        return True
    if core.unit == "count" and re.fullmatch(r"(?:1[5-9]|20)\d\d", number.strip()):
        return True  # a year
    if _CLOCK_AFTER.match(masked, core.end, le) or (
            before and before[0] in _CLOCK_BEFORE and re.fullmatch(r"\d{1,2}[.:][0-5]\d", number)
            and _DAY_PART_AFTER.match(masked, core.end, le)):
        return True  # "6 a.m.", "4.40 p.m.", "at 7.15 this evening", "at nine o'clock"
    unit_word = _time_unit_after(masked, core.end, le)
    if unit_word in TIME_UNITS or unit_word in DURATION_UNITS:
        return not _duration_mention(masked, core, ls)  # adverbials of time are not figures (12.1)
    if before and before[0] == "aged":
        return True  # an age: "people aged 18 to 65"
    if masked[core.end:core.end + 1] == ":" or masked[max(ls, core.start - 1):core.start] == ":":
        return True  # a clock time
    if before and before[0] in _CLOCK_BEFORE and core.value <= 12 and not number[:1].isdigit() and (
            not after or after[0] in FUNCTION_WORDS) and not (len(before) > 1 and before[1] in _TALLIES):
        return True  # "stopped shortly after six", "by nine the queues were back"
    name = _NAME_BEFORE.search(masked[max(ls, core.start - 30):core.start])
    if core.unit in ("count", "C", "F") and number[:1].isdigit() and name and name.group(1).lower() not in _OPENERS | FUNCTION_WORDS \
            and masked[max(ls, core.start - 30):core.start].split()[-1].lower().strip(".") not in MONTHS | WEEKDAYS:
        return True  # a number in a name: "Route 17", "Berth 7", "Terminal 2"
    if masked[max(ls, core.start - 2):core.start] == ", " and masked[core.end:core.end + 1] == ",":
        name = _words_before(masked, core.start - 2, ls, 1)
        if name and name[0][0][:1].isupper():
            return True  # an age between commas after a name: "Smith, 54,"
    return False


def _time_unit_after(masked: str, end: int, le: int) -> str:
    """The word after a number, looking past the second end of a range ("six to eight weeks")."""
    after = [w[0].lower().rstrip("'’") for w in _words_after(masked, end, le, 4)]
    if len(after) >= 3 and after[0] in ("to", "and", "or", "-") and (after[1][:1].isdigit() or after[1] in ONES
                                                                    or after[1] in TENS):
        return after[2]
    return after[0] if after else ""


_FILLERS = frozenset({"up", "to", "at", "least", "most", "more", "less", "fewer", "than", "no", "about", "some",
                      "nearly", "almost", "around", "roughly", "over", "under", "a", "maximum", "minimum", "further",
                      "another", "between", "and", "from", "anywhere", "an", "estimated", "approximately"})


def _duration_mention(masked: str, core: _Core, ls: int) -> bool:
    """A length of time that is an amount: the object of "last", "spend", "face" ..., after "of"
    ("queues of up to an hour", "a sentence of at least five years") or before a possessive
    ("ten minutes' notice"); a hedge or bound may stand between."""
    before = [w[0].lower() for w in _words_before(masked, core.start, ls, 7)]
    lead = [w for w in before if w not in _FILLERS and not w[:1].isdigit() and w not in ONES and w not in TENS]
    unit_end = re.match(r"\s*[A-Za-z]+('|’)", masked[core.end:core.end + 20])
    return bool(lead and lead[0] in DURATION_VERBS) or (not lead and any(w in DURATION_VERBS for w in before)) \
        or unit_end is not None


def _figure(text: str, masked: str, core: _Core, ls: int, le: int, previous: Figure | None) -> Figure:
    start, low, high = core.start, core.value, core.value
    low_in = high_in = True
    approximate = core.kind == "vague"
    if core.kind == "vague":
        high, high_in = None, False
    if core.kind == "range":
        high = core.high
    if core.kind == "majority":
        high, low_in, high_in = None, False, False
    lead = masked[max(ls, start - 40):start].lower()
    for phrase in sorted(BOUNDS, key=len, reverse=True):
        if re.search(rf"(?:^|\W){re.escape(phrase)}\s*$", lead):
            side, inclusive = BOUNDS[phrase]
            if side == "high":
                low, low_in, high_in = None, False, inclusive
            else:
                high, high_in, low_in = None, False, inclusive
            start = start - len(lead) + re.search(rf"{re.escape(phrase)}\s*$", lead).start()
            lead = masked[max(ls, start - 40):start].lower()
            break
    for phrase in HEDGES:
        if re.search(rf"(?:^|\W){re.escape(phrase)}\s*$", lead):
            approximate = True
            start = start - len(lead) + re.search(rf"{re.escape(phrase)}\s*$", lead).start()
            break
    for phrase in LEAD_INS:
        if re.search(rf"(?:^|\W){re.escape(phrase)}\s*$", lead):
            start = start - len(lead) + re.search(rf"{re.escape(phrase)}\s*$", lead).start()
            break
    unit = core.unit
    after = _words_after(masked, core.end, le, 1)
    if unit == "count" and after and after[0][0].lower().rstrip("'’") in DURATION_UNITS:
        unit = DURATION_UNITS[after[0][0].lower().rstrip("'’")]  # a length of time kept as an amount (12.1)
    counted = _counted(text, masked, core, ls, le, previous)
    return Figure(start, core.end, low, high, low_in, high_in, approximate, unit, counted)


def _counted(text: str, masked: str, core: _Core, ls: int, le: int, previous: Figure | None = None) -> str | None:
    """What a figure counts (see the module docstring); None when nothing in the text names it."""
    if previous is not None and re.fullmatch(r"\s*(?:[A-Za-z]+\s+){0,2}(?:to|and|or|-|–)\s*",
                                             masked[previous.end:core.start]):
        if previous.counted:  # "61 seats to 59", "between 10 and 20 people"
            return previous.counted
    after = _words_after(masked, core.end, le, 9)
    if core.unit in MEASURES.values() and after and not masked[core.end - 1].isalpha():
        after = after[1:]  # the measure word itself ("hours of overtime"), unless glued to the number ("40km")
        if after and after[0][0].lower() == "of":
            after = after[1:]
    if core.kind != "number" and after and after[0][0].lower() == "of":
        after = after[1:]  # "thousands of civilians", "half of the fighters"
        while after and (after[0][0].lower() in ("the", "their", "its", "his", "her", "our", "these", "those")
                         or re.fullmatch(r"\w+'s|[\d,.]+", after[0][0])):
            after = after[1:]
    if after and after[0][0].lower() == "for" and core.unit not in ("count", "percent", "fraction"):
        after = [w for w in after[1:] if w[0].lower() not in ("a", "an", "the")]  # "$5m for a new bridge"
    phrase = _noun_phrase(after)
    if phrase:
        return text[phrase[0][1]:phrase[-1][2]]
    before = _words_before(masked, core.start, ls, 4)
    if core.unit not in ("count", "percent", "fraction") and before and before[0][0].lower().endswith("ing"):
        return text[before[0][1]:before[0][2]]  # "spending $3 million"
    if core.unit == "percent" and len(before) >= 2 and before[0][0].lower() == "by" \
            and before[1][0].lower() in VERBS_OF_CHANGE:
        subject = [w for w in before[2:4] if w[0].lower() not in FUNCTION_WORDS][::-1]
        if subject:  # "bus fares rose by 3%"
            return text[subject[0][1]:subject[-1][2]]
    return _plural_before(text, masked, core.start)


def _noun_phrase(words: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """The noun phrase at the start of ``words``: modifiers, a head noun, and an "of …" after it."""
    phrase: list[tuple[str, int, int]] = []
    for k, (word, s, e) in enumerate(words):
        low = word.lower()
        if low == "of" and phrase and k + 1 < len(words):
            phrase.append((word, s, e))
            continue
        if low in STOP_AFTER or low in TIME_UNITS or re.fullmatch(r"[\d,.]+", word):
            break
        if phrase and _looks_verbal(word) and not phrase[-1][0].lower().endswith("ly"):
            break  # "workers locked out": a participle after the noun starts a new phrase
        if not phrase and _looks_verbal(word) and not (k + 1 < len(words) and words[k + 1][0].lower() not in STOP_AFTER):
            break
        phrase.append((word, s, e))
        plural = low.endswith("s") and not low.endswith(("ss", "us", "'s")) and len(low) > 3
        after_of = any(w[0].lower() == "of" for w in phrase)
        if plural and not after_of and not (k + 1 < len(words) and words[k + 1][0].lower() == "of"):
            break  # the head noun: "local residents"
        if len(phrase) >= (7 if after_of else 4):
            break
    while phrase and phrase[-1][0].lower() in ("of", "the", "a", "an"):
        phrase.pop()
    return phrase


ADJECTIVAL = frozenset({"wounded", "injured", "killed", "armed", "unarmed", "detained", "displaced", "missing",
                        "trapped", "registered", "skilled", "elderly", "affected", "stranded"})


def _looks_verbal(word: str) -> bool:
    low = word.lower()
    return low.endswith(("ed", "ing")) and low not in ADJECTIVAL and low not in ("during", "according")


def _plural_before(text: str, masked: str, position: int) -> str | None:
    begin = max(0, position - 300)
    while 0 < begin < position and masked[begin - 1].isalpha():
        begin += 1  # never start inside a word
    for m in reversed(list(_WORD.finditer(masked, begin, position))):
        word = m.group()
        low = word.lower()
        if len(low) > 3 and low.endswith("s") and not low.endswith(("ss", "us", "'s")) and low not in FUNCTION_WORDS \
                and word[:1].islower() and low not in VAGUE:
            return text[m.start():m.end()]
    return None
