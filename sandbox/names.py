"""Surname keys: the form of a last name that search compares.

The contract says accents, case, apostrophes, hyphens and spaces are
removed before searching, so "D'Angelo" and "dangelo" are one key.
"""

from __future__ import annotations

import unicodedata

# Typographic and modifier apostrophes people paste from phones and word
# processors, besides the ASCII one.
APOSTROPHES = frozenset("'\u2019\u2018\u02bc\u02bb\u0060\u00b4\u2032")


def normalise_last_name(name: str) -> str:
    """Return the search key of a last name.

    Letters are decomposed (NFKD) so accents fall away as combining marks,
    then case-folded; apostrophes, dashes (Unicode category Pd) and any
    whitespace are dropped. Other punctuation is kept: the contract names
    only these.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    kept = (
        char
        for char in decomposed
        if not unicodedata.combining(char)
        and char not in APOSTROPHES
        and unicodedata.category(char) != "Pd"
        and not char.isspace()
    )

    return "".join(kept).casefold()
