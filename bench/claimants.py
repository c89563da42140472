"""Who a claimant is, whatever the spelling: names normalised, the alias table, and a softer token F1.

Two names are compared after normalisation: Unicode compatibility forms and accents folded,
case folded, possessives and punctuation dropped, leading determiners removed, and titles and
honorifics removed where a name follows them, as its capital letters show ("The city council"
is "city council"; "Mr. Holt's" is "holt"; "President Ilse Marrondt" and "president ilse
marrondt" are "ilse marrondt"; "the mayor's office" stays "mayor office"). A corpus's alias table (``claimants.json``) then maps
every normalised spelling to its canonical claimant; names outside it stand for themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence

from .records import AUTHOR

DETERMINERS = frozenset({"the", "a", "an"})
# Titles and honorifics: left out of a name when they stand before a capitalised word ("President
# Ilse Marrondt"), kept when the name is made of them ("the mayor's office", "Minister").
TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
    "president", "vice", "prime", "minister", "chancellor", "premier", "governor", "mayor", "senator", "sen",
    "rep", "representative", "congressman", "congresswoman", "judge", "justice", "general", "gen", "colonel",
    "col", "major", "maj", "captain", "capt", "lieutenant", "lt", "sergeant", "sgt", "commander", "admiral",
    "rev", "reverend", "father", "bishop", "archbishop", "king", "queen", "prince", "princess", "pope",
    "spokesman", "spokeswoman", "spokesperson", "chairman", "chairwoman", "chair", "ceo", "chief", "executive",
    "director", "secretary", "deputy", "acting", "former", "head", "leader",
})
_POSSESSIVE = re.compile(r"['’]s\b|(?<=s)['’](?=\s|$)")
_PUNCTUATION = re.compile(r"[^\w\s]")


def _words(name: str) -> tuple[list[str], bool]:
    """The words of a name, accents and possessives and punctuation gone; and whether its spelling
    has case to tell names from common words."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = _PUNCTUATION.sub(" ", _POSSESSIVE.sub("", stripped)).split()
    return words, stripped != stripped.casefold() and stripped != stripped.upper()


def normalise_name(name: str, *, titles: bool = True) -> str:
    """The comparable form of a name (see the module docstring); with ``titles`` False, titles are kept.

    A title is left out where a name follows it: a capitalised word, or any word when the
    spelling has no case to tell (all lower or upper case). A name that is all title keeps its words.
    """
    words, cased = _words(name)
    k = 0
    while k < len(words) - 1:
        word = words[k].casefold()
        if word in DETERMINERS or (titles and word in TITLES and (words[k + 1][:1].isupper() or not cased)):
            k += 1
        else:
            break
    return " ".join(word.casefold() for word in words[k:])


def name_tokens(name: str | None) -> list[str]:
    return normalise_name(name).split() if name else []


def name_f1(gold: str | None, pred: str | None) -> float:
    """Token F1 of two normalised names (0 when either is missing)."""
    a, b = Counter(name_tokens(gold)), Counter(name_tokens(pred))
    shared = sum((a & b).values())
    return 2 * shared / (sum(a.values()) + sum(b.values())) if shared else 0.0


class ClaimantTable(dict):
    """Any spelling of a claimant -> its canonical name (``table[name]``; None stays None).

    Names outside the alias table map to their normalised form. Look-ups are memoised, so
    scoring many claims costs one dictionary look-up per name.
    """

    def __init__(self, claimants: Mapping[str, Sequence[str]] | None = None):
        super().__init__()
        self._by_key: dict[str, str] = {AUTHOR: AUTHOR}  # every spelling, titles kept
        untitled: dict[str, set[str]] = {}  # the same without titles, where that names one claimant only
        for canonical, aliases in (claimants or {}).items():
            for name in (canonical, *aliases):
                known = self._by_key.setdefault(normalise_name(name, titles=False), canonical)
                if known != canonical:
                    raise ValueError(f'claimant alias "{name}" names both "{known}" and "{canonical}"')
                untitled.setdefault(normalise_name(name), set()).add(canonical)
        self._untitled = {key: names.pop() for key, names in untitled.items() if len(names) == 1}

    def __missing__(self, name: str | None) -> str | None:
        if name is None:
            return None
        full, key = normalise_name(name, titles=False), normalise_name(name)
        found = self[name] = self._by_key.get(full) or self._untitled.get(key, key)
        return found

    def same(self, gold: str | None, pred: str | None) -> bool:
        """True when the prediction names the gold claimant; a missing prediction is wrong."""
        return pred is not None and self[pred] == self[gold]
