"""A normalised "shadow" of the document text for matching, with an offset map back.

Recognisers match on the shadow (simplified script, full-width forms folded, pinyin
glosses such as ``經(jīng)`` removed) and report spans in the original text, so a
mention is always ``text[start:end]`` of the document as published.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_GLOSS = re.compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ]{1,8}[)）]")


@lru_cache(maxsize=1)
def _t2s_chars() -> dict[str, str]:
    """Traditional -> simplified, one character to one character (offsets stay put)."""
    import opencc as _oc  # opencc-python-reimplemented: its dictionaries ship in the wheel
    from pathlib import Path

    table: dict[str, str] = {}
    dict_dir = Path(_oc.__file__).parent / "dictionary"
    for name in ("TSCharacters.txt",):
        path = dict_dir / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 2 and len(parts[0]) == 1:
                first = parts[1].split(" ")[0]
                if len(first) == 1:
                    table[parts[0]] = first
    return table


_FOLD = {"（": "(", "）": ")", "：": ":", "；": ";", "，": ",", "　": " ", "％": "%", "．": "."}


@dataclass(frozen=True)
class Shadow:
    text: str                 # normalised text used for matching
    offsets: tuple[int, ...] | None  # offsets[i] = original index of shadow char i (None: identity)
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) for shadow [start, end); trailing glosses are kept."""
        if self.offsets is None:
            s, e = start, end
        else:
            s = self.offsets[start]
            e = self.offsets[end - 1] + 1 if end > start else s
        g = _GLOSS.match(self.original, e)
        if g and e > 0 and "\u4e00" <= self.original[e - 1] <= "\u9fff":
            e = g.end()
        return s, e


@lru_cache(maxsize=1)
def _table() -> dict[int, int]:
    """str.translate table: traditional -> simplified, full-width punctuation folded."""
    table = {ord(k): ord(v) for k, v in _t2s_chars().items()}
    table.update({ord(k): ord(v) for k, v in _FOLD.items()})
    for code in range(0xFF01, 0xFF5F):   # full-width ASCII forms
        n = unicodedata.normalize("NFKC", chr(code))
        if len(n) == 1 and code not in table:
            table[code] = ord(n)
    return table


def make_shadow(text: str) -> Shadow:
    folded = text.translate(_table())
    glosses = [m for m in _GLOSS.finditer(text)
               if m.start() > 0 and "\u4e00" <= text[m.start() - 1] <= "\u9fff"]
    if not glosses:
        return Shadow(folded, None, text)
    parts: list[str] = []
    offs: list[int] = []
    pos = 0
    for m in glosses:   # only a gloss right after a CJK character is a pinyin annotation
        parts.append(folded[pos:m.start()])
        offs.extend(range(pos, m.start()))
        pos = m.end()
    parts.append(folded[pos:])
    offs.extend(range(pos, len(text)))
    offs.append(len(text))
    return Shadow("".join(parts), tuple(offs), text)


def fold(text: str) -> str:
    """Same-length normalisation (simplified script, full-width punctuation folded) for
    structural matching: ``fold(text)[i]`` corresponds to ``text[i]`` for every i."""
    return text.translate(_table())
