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
    offsets: tuple[int, ...]  # offsets[i] = original index of shadow char i; len = len(text)+1
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) for shadow [start, end); trailing glosses are kept."""
        s = self.offsets[start]
        e = self.offsets[end - 1] + 1 if end > start else s
        g = _GLOSS.match(self.original, e)
        if g:
            e = g.end()
        return s, e


def make_shadow(text: str) -> Shadow:
    t2s = _t2s_chars()
    out: list[str] = []
    offs: list[int] = []
    pos = 0
    for m in _GLOSS.finditer(text):
        # only a gloss right after a CJK character is a pinyin annotation
        if m.start() == 0 or not ("\u4e00" <= text[m.start() - 1] <= "\u9fff"):
            continue
        _emit(text, pos, m.start(), t2s, out, offs)
        pos = m.end()
    _emit(text, pos, len(text), t2s, out, offs)
    offs.append(len(text))
    return Shadow("".join(out), tuple(offs), text)


def _emit(text: str, a: int, b: int, t2s: dict[str, str], out: list[str], offs: list[int]) -> None:
    for i in range(a, b):
        c = text[i]
        c2 = _FOLD.get(c)
        if c2 is None:
            c2 = t2s.get(c, c)
            if "\uff01" <= c2 <= "\uff5e":
                n = unicodedata.normalize("NFKC", c2)
                c2 = n if len(n) == 1 else c2
        out.append(c2)
        offs.append(i)


def fold(text: str) -> str:
    """Same-length normalisation (simplified script, full-width punctuation folded) for
    structural matching: ``fold(text)[i]`` corresponds to ``text[i]`` for every i."""
    t2s = _t2s_chars()
    out = []
    for c in text:
        c2 = _FOLD.get(c)
        if c2 is None:
            c2 = t2s.get(c, c)
        out.append(c2)
    return "".join(out)
