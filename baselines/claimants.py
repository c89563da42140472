"""Who a claim's claimant is: names from subject spans, titles dropped, pronouns and descriptions resolved.

"union spokesman John Doe" names John Doe; "he" names the last person named; "the agency"
names the last capitalised name holding "agency". Shared by every baseline that reports a
claimant.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .attribution import LEADING_ADVERBS
from bench.records import AUTHOR

from .segment import FUNCTION_WORDS, PRONOUNS, Token, tokens

# bodies an article names by their kind alone ("police", "the health ministry"), which the
# guidelines name with the article's place (12.6)
_PLACED_BODIES = frozenset({"police", "prosecutors", "residents", "ministry", "department", "authority", "inspectors",
                            "firefighters", "hospitals", "council"})
# a wire story's dateline ("ELMFORD, Oct 14 (Agency) -"), and a place word before a kind of area
_DATELINE_PLACE = re.compile(r"^([A-Z][A-Z'’.-]+(?: [A-Z][A-Z'’.-]+){0,3}),[^\n]{0,60}?(?:\(|\s[-–—]\s)", re.MULTILINE)
_PLACE_BEFORE_AREA = re.compile(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)\s+(?:province|region|regional|district|county|city|town)\b")


def _without_possessive(toks: list[Token]) -> list[Token]:
    """``toks`` with the possessive ending of its last word cut off ("the commission's" -> "the commission")."""
    last = toks[-1]
    cut = Token(last.start, last.end - 2, last.text[:-2])
    return toks[:-1] + [cut] if cut.text else toks[:-1]


def home_place(text: str) -> str | None:
    """The place an article is about: its dateline's, else the place named most often before
    "province", "region", "district" and the like (at least twice)."""
    dateline = _DATELINE_PLACE.search(text[:3000])
    if dateline:
        return " ".join(w.capitalize() for w in dateline.group(1).split())
    counts: dict[str, int] = {}
    for m in _PLACE_BEFORE_AREA.finditer(text):
        if m.group(1).split()[0].lower() not in _NOT_NAMES and m.group(1).lower() not in FUNCTION_WORDS:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    best = max(counts.items(), key=lambda kv: (kv[1], -text.find(kv[0])), default=(None, 0))
    return best[0] if best[1] >= 2 else None


# what a party publishes: "figures published by X" is X's claim
_PUBLISHED_THINGS = frozenset({"figures", "data", "statistics", "numbers", "report", "survey", "estimates", "count",
                               "study", "analysis", "projection", "projections", "results"})
TITLE_WORDS = frozenset({
    "president", "minister", "prime", "deputy", "secretary", "secretary-general", "general",
    "chancellor", "spokesman", "spokeswoman", "spokesperson", "chief", "leader", "mayor",
    "captain", "commander", "governor", "senator", "ambassador", "director", "chairman",
    "chairwoman", "chair", "king", "queen", "prince", "princess", "pope", "dr", "mr", "mrs", "ms",
    "colonel", "lieutenant", "sergeant", "judge", "ceo", "head", "official", "officer", "envoy",
    "adviser", "advisor", "lawmaker", "representative", "vice", "speaker", "premier", "foreign",
    "defense", "defence", "interior", "transport", "health", "finance", "justice", "economy",
    "professor", "prof", "commissioner", "founder", "manager", "coordinator", "inspector",
    "superintendent", "detective", "sheriff", "attorney", "prosecutor", "counsel",
})
ORG_WORDS = frozenset({
    "ministry", "committee", "union", "agency", "office", "council", "party", "republic",
    "forces", "army", "news", "service", "department", "authority", "authorities", "government",
    "court", "commission", "organization", "organisation", "group", "bank", "company",
    "corporation", "institute", "university", "association", "federation", "nations", "police",
    "chamber", "times", "post", "press", "tv", "radio", "channel", "cross", "fund", "board",
    "parliament", "assembly", "congress", "senate", "inc", "ltd", "corp", "plc", "co", "media",
    # words that end the names of firms, clubs and bodies: a name holding one is no person's
    "energy", "power", "water", "transit", "rail", "railways", "airlines", "airways", "systems",
    "partners", "holdings", "trust", "society", "foundation", "services", "sports",
    "united", "network", "capital", "consortium", "brands", "stores", "retail", "motors",
    "logistics", "shipping", "ports", "mission", "alliance", "league", "club", "hospital", "school",
    "college", "clinic", "forum", "campaign", "coalition", "movement", "institute", "centre", "center",
    "industries", "technologies", "labs", "pharma", "insurance", "airport", "port", "regiment", "brigade",
})
# heads of descriptions that stand for the organisation last named ("the operator", "the firm")
PARTY_HEADS = ORG_WORDS | frozenset({"operator", "firm", "business", "provider", "utility", "insurer", "developer",
                                     "landlord", "retailer", "chain", "owner", "owners", "employer", "charity",
                                     "regulator", "insurer", "broadcaster", "newspaper", "paper", "outlet", "side"})
_NAME_RUN = re.compile(r"[A-Z][\w'’\-]*(?:[ \t]+(?:(?:of|the|for|and|&|de|da|van|von|al)[ \t]+)*[A-Z][\w'’\-]*)*")
_VOICES = frozenset({"spokesman", "spokeswoman", "spokesperson", "spokespeople", "representative", "official",
                     "officials", "statement"})
_OWN_STAFF = frozenset({"reporter", "reporters", "correspondent", "correspondents", "team", "staff", "newsroom"})


def _plausible(name: str) -> bool:
    """A claimant name, not an age, a number or a clause taken for one."""
    toks = name.split()
    return bool(toks) and not name[:1].isdigit() and len(toks) <= 8 and toks[0].lower() not in _NOT_NAMES


# words before a capitalised run that make it a place or a thing, not a person
_PLACE_BEFORE = frozenset({"the", "a", "an", "in", "at", "on", "into", "behind", "near", "outside", "inside", "from",
                           "across", "along", "towards", "toward", "past", "off", "under", "over", "via", "through"})
# words that begin no name: relatives, prepositions, numbers, months and days, sentence openers
_NOT_NAMES = frozenset({
    "who", "which", "that", "whose", "where", "when", "in", "on", "at", "after", "before", "by", "for", "from", "with",
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty",
    "thirty", "forty", "fifty", "hundred", "thousand", "hundreds", "thousands", "dozens", "nineteen", "eighteen",
    "seventeen", "sixteen", "fifteen", "fourteen", "thirteen", "january", "february", "march", "april", "june",
    "july", "august", "september", "october", "november", "december", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "a", "an", "it", "its", "this", "these", "those", "but", "and",
    "if", "as", "so", "then", "now", "more", "most", "some", "many", "every", "all", "no", "not", "nobody",
    "everyone", "neither", "both", "another", "other", "while", "although", "because", "since", "until",
    "minutes", "hours", "days", "weeks", "months", "years", "later", "earlier", "moments", "today", "yesterday",
})


# kinds of body that a description names apart ("the union" is no council, "the company" no ministry)
_KINDS = frozenset({"union", "council", "ministry", "police", "court", "army", "government", "party", "university",
                    "hospital", "school", "parliament", "committee", "commission", "department", "agency", "board",
                    "trust", "club", "league", "company", "authority", "service", "office"})


def _other_kind(name: str, head: str) -> bool:
    """Whether ``name`` says it is another kind of body than ``head`` ("Elmford Council" for "the union")."""
    words = [w.lower() for w in name.split()]
    if name[:1].islower() or words[0] == "the":
        return words[-1] != head  # a description names its kind: "the utility" is no agency
    return bool(set(words) & _KINDS) and head not in words


@dataclass(slots=True)
class Claimants:
    """Names claimants within one document, remembering who was last named (for pronouns)."""

    text: str
    masked: str
    last: str | None = None
    last_person: str | None = None
    last_org: str | None = None
    persons: dict[str, None] = field(default_factory=dict)  # in the order named: a surname finds the first
    _runs: dict[str, list[tuple[int, int]]] | None = None
    _people: list[tuple[int, int, str]] | None = None
    _lower: set[str] | None = None
    _home: tuple[str | None] | None = None

    def name(self, span: tuple[int, int] | None) -> list[str]:
        """Claimant names for a subject span (several for "X and Y"); empty if unknown."""
        if span is None:
            return []
        s, e = span
        toks = tokens(self.masked, s, e)
        while toks and toks[0].lower in LEADING_ADVERBS:
            toks = toks[1:]
        if not toks or toks[0].lower in ("there", "here", "what"):
            return []  # "There is a dispute over ...", "What we know is ...": no party named
        s = toks[0].start
        if len(toks) == 1 and toks[0].lower in PRONOUNS:
            low = toks[0].lower
            if low in ("i", "we", "you"):
                return []
            # "he"/"she": the nearest person named before, never an age, a place or an organisation;
            # "it"/"they": the party last named
            if low in ("he", "she"):
                found = self._nearest_person(s) or self.last_person
            else:
                found = self.last_org
            return [found] if found else []
        if toks[0].lower in ("our", "this") and len(toks) >= 2 and toks[1].lower in _OWN_STAFF:
            return [AUTHOR]  # "our correspondent in the city writes": the publication itself
        if toks[0].lower in ("the", "a", "an"):
            toks = self._named_before_apposition(toks)
        by = next((k for k, t in enumerate(toks[:6]) if t.lower == "by"), None)
        if by is not None and 0 < by < len(toks) - 1 and any(t.lower in _PUBLISHED_THINGS for t in toks[:by]):
            toks = toks[by + 1:]  # "figures published by the ministry": the ministry's claim
        owner = next((k for k, t in enumerate(toks[:5]) if t.lower.endswith(("'s", "’s"))), None)
        if owner is not None and any(t.lower in _PUBLISHED_THINGS for t in toks[owner + 1:owner + 4]):
            toks = _without_possessive(toks[:owner + 1])  # "the commission's projection": the commission's
        parts = self._split_and(toks)
        names = [self._one(p) for p in parts]
        names = [n for n in names if n and _plausible(n)]
        if names:
            self.last = names[-1]
            if names[-1] not in self.persons and names[-1] != AUTHOR and self._party(names[-1]):
                self.last_org = names[-1]
        return names

    def _party(self, name: str) -> bool:
        """Whether a named claimant is an organisation "it" can stand for: a name of several words,
        an acronym, a description headed by a body ("the regional health authority"), or a single
        capitalised word the article never writes in lower case ("Elmcorp", not "Drivers")."""
        words = name.split()
        if not words or name.lower() in PRONOUNS:
            return False
        if words[-1].lower() in PARTY_HEADS or name.isupper():
            return True
        if len(words) > 1:
            return name[:1].isupper()
        if self._lower is None:
            self._lower = set(re.findall(r"\b[a-z][\w'-]*", self.masked))
        return name[:1].isupper() and name.lower() not in self._lower

    def _named_people(self) -> list[tuple[int, int, str]]:
        """(end, sentence, name) of every person the document names, found on first use."""
        if self._people is None:
            self._people = self._find_people()
        return self._people

    def _nearest_person(self, before: int) -> str | None:
        """The person a "he" or "she" at ``before`` stands for: in the nearest sentence before it
        (or its own) that names a person, the first person named -- the sentence's subject
        rather than someone it mentions in passing. A person is a run of two or three capitalised
        words that names no organisation or place (titles and a possessive dropped), or the
        surname of a person already named in full."""
        sentence, found = -1, None
        for end, index, name in self._named_people():
            if end > before:
                break
            if index != sentence:
                sentence, found = index, name
        return found

    def _find_people(self) -> list[tuple[int, int, str]]:
        """(end, sentence number, name) of every person named, in text order."""
        people: list[tuple[int, int, str]] = []
        full: list[str] = []
        breaks = [m.end() for m in re.finditer(r"[.!?][\"”’']?\s+|\n", self.masked)]
        for m in _NAME_RUN.finditer(self.masked):
            run = tokens(self.masked, m.start(), m.end())
            while run and (run[0].lower in TITLE_WORDS or run[0].lower in _NOT_NAMES):
                run = run[1:]
            words = [t.lower for t in run]
            if not run or any(w in ORG_WORDS or w in _NOT_NAMES for w in words) or any(
                    t.text.isupper() and len(t.text) > 1 for t in run) or "of" in words or "the" in words:
                continue
            previous = self.masked[max(0, m.start() - 20):m.start()]
            if previous.split() and previous.split()[-1].lower() in _PLACE_BEFORE or previous.rstrip().endswith("("):
                continue  # "behind the South Stand", "(Wire)": a place or a name of a thing
            end = run[-1].end - (2 if run[-1].lower.endswith("'s") else 0)
            name = self.text[run[0].start:end]
            index = bisect.bisect_right(breaks, run[0].start)
            if 2 <= len(run) <= 3:
                full.append(name)
                people.append((end, index, name))
            elif len(run) == 1:
                known = next((p for p in reversed(full) if p.split()[-1] == name), None)
                if known is not None:
                    people.append((end, index, known))
        return people

    def mention(self, span: tuple[int, int] | None) -> str | None:
        """Note the subject of a sentence in the article's voice: the likeliest "he"/"she" later.
        Returns the person it names, if any."""
        if span is None:
            return None
        toks = tokens(self.masked, *span)
        if not 1 <= len(toks) <= 4 or not all(t.capitalized or t.lower in TITLE_WORDS for t in toks):
            return None
        if toks[0].lower in ("the", "a", "an"):
            return None
        person = self._person(toks)  # "Club chairman Ada Okoro": the title's body does not matter
        if person is not None:
            return person
        if any(t.lower in ORG_WORDS for t in toks):
            return None
        if len(toks) == 1 and toks[0].lower not in PRONOUNS:
            surname = self.text[toks[0].start:toks[0].end]
            person = next((p for p in self.persons if p.split()[-1] == surname), None)
            if person is not None:
                self.last_person = person
        return person

    def _split_and(self, toks: list[Token]) -> list[list[Token]]:
        groups: list[list[Token]] = [[]]
        for tok in toks:
            if tok.lower == "and" and groups[-1] and groups[-1][-1].capitalized:
                groups.append([])
            else:
                groups[-1].append(tok)
        if len(groups) > 1 and all(g and g[0].capitalized for g in groups) and not (
                groups[0][0].lower == "the" and not any(t.lower in ORG_WORDS for t in groups[0])):
            return groups  # two names, not one name with "and" in it ("The X and Y Board")
        described: list[list[Token]] = [[]]
        for tok in toks:
            if tok.lower == "and" and described[-1]:
                described.append([])
            else:
                described[-1].append(tok)
        if len(described) == 2 and all(len(g) >= 2 and g[0].lower in ("the", "its", "their") and g[-1].lower in PARTY_HEADS
                                       for g in described):
            return described  # "the council and the tenants' group": two parties, each described
        return [toks]

    def _placed(self, toks: list[Token]) -> str | None:
        """A generic body named with the article's place (GUIDELINES 12.6): "police" in a
        story datelined Elmford is "Elmford police"; None when the form is not generic or the
        article has no place of its own."""
        words_ = [t.lower for t in toks]
        if words_[0] in ("the", "its", "their"):
            words_ = words_[1:]
        if not words_ or words_[-1] not in _PLACED_BODIES or any(t.capitalized for t in toks[1:]):
            return None
        if self._home is None:
            self._home = (home_place(self.text),)
        place = self._home[0]
        return f"{place} {' '.join(words_)}" if place else None

    def _named_before_apposition(self, toks: list[Token]) -> list[Token]:
        """The name a description is in apposition to, when the sentence opens with it:
        "Elmford Rail, the city's main operator, said ..." is Elmford Rail's claim."""
        start = toks[0].start
        if self.masked[max(0, start - 2):start] != ", ":
            return toks
        opening = max(self.masked.rfind(mark, 0, start - 2) for mark in (". ", "\n", '" ', "” "))
        before = tokens(self.masked, opening + 1 if opening >= 0 else 0, start - 2)
        if 1 <= len(before) <= 5 and before[0].capitalized and all(
                t.capitalized or t.lower in ("of", "and", "&") for t in before) and before[0].lower not in FUNCTION_WORDS:
            return before
        return toks

    def _one(self, toks: list[Token]) -> str | None:
        if not toks:
            return None
        lows = [t.lower for t in toks]
        person = self._person(toks)
        if person:
            return person
        if lows[0] in ("a", "an", "the", "its", "their") and len(toks) == 2 and lows[-1] in _VOICES and self.last_org:
            return self.last_org  # an unnamed spokesperson speaks for the party (GUIDELINES 12.3)
        described = lows[0] in ("the", "its", "their") and len(toks) >= 2 and not any(t.capitalized for t in toks[1:])
        if described or (lows[0] == "the" and len(toks) >= 2 and lows[-1] in TITLE_WORDS):
            found = self._resolve_description(lows[-1], toks[0].start)
            if found:
                return found
            if described and len(toks) == 2 and lows[-1] in PARTY_HEADS and self.last_org \
                    and not _other_kind(self.last_org, lows[-1]):
                return self.last_org  # "the company": the party last named, unless its name says otherwise
        if lows[0] == "the" and len(toks) > 1 and all(t.capitalized or t.lower in ("of", "the", "for", "and")
                                                      for t in toks[1:]):
            toks = toks[1:]  # "The Rivers Trust" -> "Rivers Trust"; "The" alone stays (nothing left to name)
        surface = self.text[toks[0].start:toks[-1].end]
        placed = self._placed(toks)
        if placed is not None:
            return placed
        if len(toks) == 1 and toks[0].capitalized:
            known = list(self.persons) + [p for _, _, p in self._named_people()]
            full = next((p for p in known if p.split()[-1] == toks[0].text and p != toks[0].text), None)
            if full is not None:
                self.last_person = full
                return full  # "Okoro" after "Ada Okoro": the same person, named in full
        return surface

    def _person(self, toks: list[Token]) -> str | None:
        """A person's name with titles dropped: "union spokesman John Doe" -> "John Doe"; a person
        "of" an organisation is the person ("Ada Okoro of the Rivers Trust" -> "Ada Okoro")."""
        of = next((i for i, t in enumerate(toks) if t.lower == "of"), None)
        if of is not None and of >= 2 and all(t.capitalized for t in toks[:of]):
            return self._person(toks[:of])
        title_at = max((i for i, t in enumerate(toks) if t.lower in TITLE_WORDS), default=-1)
        lower_at = max((i for i, t in enumerate(toks) if not t.capitalized), default=-1)
        # the name after the last title or role word: "chief executive Ada Okoro", "Party co-leader Ada Okoro"
        tail = toks[max(title_at, lower_at) + 1:]
        if title_at < 0 and lower_at < 0 and not (2 <= len(toks) <= 3):
            return None
        if not (1 <= len(tail) <= 3) or not all(t.capitalized for t in tail):
            return None
        if any(t.lower in ORG_WORDS for t in (tail if title_at >= 0 or lower_at >= 0 else toks)) \
                or any(t.text.isupper() and len(t.text) > 1 for t in tail):
            return None  # "Elmford council leader Ada Okoro" is a person; "Elmford Energy" is not
        if title_at < 0 and len(tail) < 2:
            return None
        name = self.text[tail[0].start:tail[-1].end]
        self.persons[name] = None
        self.last_person = name
        return name

    def _runs_with(self, head: str) -> list[tuple[int, int]]:
        """(end, start) of every capitalised name run of the document holding ``head``, in text order.

        Found in one pass over the document the first time a description is resolved, so
        resolving many costs one binary search each.
        """
        if self._runs is None:
            self._runs = {}
            for m in _NAME_RUN.finditer(self.masked):
                for word in set(m.group().lower().replace("-", " ").split()):
                    self._runs.setdefault(word, []).append((m.end(), m.start()))
        return self._runs.get(head, [])

    def _resolve_description(self, head: str, before: int) -> str | None:
        """"the agency", "the governor": the last capitalised name before it holding the head word
        ("the Elmford Water Agency"), else the last fuller description ("the regional water agency")."""
        runs = self._runs_with(head)
        k = bisect.bisect_right(runs, (before, before)) - 1
        while k >= 0 and runs[k][0] > before:
            k -= 1
        described = None
        pattern = re.compile(r"\b(?:the|a|an|its|their)\s+((?:[\w'-]+\s+){1,4}?" + re.escape(head) + r")\b", re.IGNORECASE)
        for m in pattern.finditer(self.masked, max(0, before - 3000), before):
            if not any(w.lower() in _NOT_NAMES or w.lower() in FUNCTION_WORDS for w in m.group(1).split()[:-1]):
                described = m
        if described is not None and k < 0:  # no name holds the head word: the fuller description
            return self.text[described.start(1):described.end(1)]
        if k < 0:
            return None
        end, start = runs[k]
        run = tokens(self.masked, start, end)
        person = self._person(run)
        if person:
            return person
        if run and run[0].lower == "the":
            run = run[1:]
        return self.text[run[0].start:run[-1].end] if run else None
