"""Who a claimant is, whatever the spelling: the alias table, and names compared without case or accents."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from .records import AUTHOR


def normalise_name(name: str) -> str:
    """Case-, accent- and spacing-insensitive form of a name."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


class ClaimantTable(dict):
    """Any spelling of a claimant -> its canonical name (``table[name]``; None stays None).

    Names outside the alias table map to their normalised form. Look-ups are memoised, so
    scoring many claims costs one dictionary look-up per name.
    """

    def __init__(self, claimants: Mapping[str, Sequence[str]] | None = None):
        super().__init__()
        self._by_key: dict[str, str] = {normalise_name(AUTHOR): AUTHOR}
        for canonical, aliases in (claimants or {}).items():
            for name in (canonical, *aliases):
                known = self._by_key.setdefault(normalise_name(name), canonical)
                if known != canonical:
                    raise ValueError(f'claimant alias "{name}" names both "{known}" and "{canonical}"')

    def __missing__(self, name: str | None) -> str | None:
        if name is None:
            return None
        key = normalise_name(name)
        found = self[name] = self._by_key.get(key, key)
        return found

    def same(self, gold: str | None, pred: str | None) -> bool:
        """True when the prediction names the gold claimant; a missing prediction is wrong."""
        return pred is not None and self[pred] == self[gold]
