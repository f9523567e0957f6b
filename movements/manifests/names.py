"""A person's name as the manifest prints it (issue 13.6): whatever was typed on the
tablet ("  jan   DE vries-BAKKER "), printed the way a document spells names.

* spaces collapsed, Unicode NFC (a name typed with combining accents prints as one);
* a name typed without care (every word all small or all capitals: "anouk BAKKER") gets
  capitals: each part capitalised, after hyphens and apostrophes too (O'Neill,
  Vries-Bakker); name particles (Dutch tussenvoegsels and their neighbours: van, de,
  der, den, ten, ter, te, 't, von, da, di, du, la, le, al, el, bin, ibn) stay small
  unless they begin the name;
* a name with a word typed with care (Berg, McDonald) is kept as typed, except words in
  capitals ("van der BERG" -> "van der Berg").
"""

from __future__ import annotations

import re
import unicodedata

PARTICLES = frozenset({"van", "de", "der", "den", "ten", "ter", "te", "'t", "von", "da",
                       "di", "du", "la", "le", "al", "el", "bin", "ibn", "del", "dos"})


def _capital(word: str) -> str:
    return re.sub(r"(^|[-'’])(\w)", lambda m: m.group(1) + m.group(2).upper(), word.lower())


def _cased(word: str) -> bool:
    """Written with care: capitals and small letters both (Berg, McDonald, O'Neill)."""
    letters = [c for c in word if c.isalpha()]
    return any(c.isupper() for c in letters) and any(c.islower() for c in letters)


def print_name(typed: str) -> str:
    """The printed form of a typed person's name (see the module's rules)."""
    words = unicodedata.normalize("NFC", typed or "").split()
    if any(_cased(w) for w in words):
        # Typed with care: keep it, only words in capitals get small letters.
        return " ".join(w if _cased(w) or not w.isupper() or len(w) == 1 else _capital(w)
                        for w in words)
    out = []
    for i, word in enumerate(words):
        if 0 < i < len(words) - 1 and word.lower() in PARTICLES:
            out.append(word.lower())
        else:
            out.append(_capital(word))
    return " ".join(out)
