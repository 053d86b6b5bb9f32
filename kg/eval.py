"""``kg eval``: score extraction against gold files by ../shared/corpus/README.md.

Pure functions over the contract dicts (what ``kg extract`` emits) and gold dicts.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

DOC_FIELDS = ("units", "policies", "places", "persons")
TASK_FIELDS = ("lead_units", "support_units", "deadline", "cites", "outcomes", "lead_persons")


def norm(s: str, policy: bool = False) -> str:
    s = unicodedata.normalize("NFKC", s)
    s = re.sub(r"\s+", "", s)
    if policy and s.startswith("《") and s.endswith("》"):
        s = s[1:-1]
    return s


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Miss:
    """What one document got wrong in one field (of one task, for task fields)."""

    doc: str
    field: str
    task: str | None                    # the gold task title (or the system's, for an unmatched one)
    fp: list[str]                       # system items with no gold partner
    fn: list[str]                       # gold items with no system partner


@dataclass
class Report:
    fields: dict[str, Counts] = field(default_factory=dict)
    by_genre: dict[str, dict[str, Counts]] = field(default_factory=dict)
    docs: int = 0
    misses: list[Miss] = field(default_factory=list)

    def miss(self, doc: str, name: str, task: str | None, fp: list[str], fn: list[str]) -> None:
        if fp or fn:
            self.misses.append(Miss(doc, name, task, fp, fn))

    def add(self, genre: str, name: str, c: Counts) -> None:
        self.fields.setdefault(name, Counts()).add(c)
        self.by_genre.setdefault(genre, {}).setdefault(name, Counts()).add(c)


# --- matching ---------------------------------------------------------------------------


def set_counts(sys_items: Iterable[str], gold_items: Iterable[str], policy: bool = False) -> Counts:
    return _set_match(sys_items, gold_items, policy)[0]


def _set_match(sys_items: Iterable[str], gold_items: Iterable[str], policy: bool = False
               ) -> tuple[Counts, list[str], list[str]]:
    """Counts, and the unmatched system and gold items (normalised), in their order."""
    s = list(dict.fromkeys(norm(x, policy) for x in sys_items if x))
    g = list(dict.fromkeys(norm(x, policy) for x in gold_items if x))
    gs, ss = set(g), set(s)
    fp, fn = [x for x in s if x not in gs], [x for x in g if x not in ss]
    return Counts(len(s) - len(fp), len(fp), len(fn)), fp, fn


def _numbers(s: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?|\*+|[xX]{2}", s)


def outcome_match(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    return _numbers(a) == _numbers(b) and (a in b or b in a)


def person_match(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 2 and long_.endswith(short)


def one_to_one(sys_items: list[str], gold_items: list[str], same: Callable[[str, str], bool]) -> Counts:
    return _one_to_one_match(sys_items, gold_items, same)[0]


def _one_to_one_match(sys_items: list[str], gold_items: list[str], same: Callable[[str, str], bool]
                      ) -> tuple[Counts, list[str], list[str]]:
    sys_u = list(dict.fromkeys(norm(x) for x in sys_items if x))
    gold_u = list(dict.fromkeys(norm(x) for x in gold_items if x))
    used: set[int] = set()
    fp: list[str] = []
    for s in sys_u:
        for j, g in enumerate(gold_u):
            if j not in used and same(s, g):
                used.add(j)
                break
        else:
            fp.append(s)
    fn = [g for j, g in enumerate(gold_u) if j not in used]
    return Counts(len(used), len(fp), len(fn)), fp, fn


def match_tasks(sys_tasks: list[Mapping[str, Any]], gold_tasks: list[Mapping[str, Any]]) -> list[tuple[int, int]]:
    """System task i matches the first unmatched gold task j (in order) whose normalised
    title occurs in the system task's normalised text or title."""
    used: set[int] = set()
    pairs = []
    for i, t in enumerate(sys_tasks):
        hay = norm(t.get("text") or "") + "\u0000" + norm(t.get("title") or "")
        for j, g in enumerate(gold_tasks):
            if j in used:
                continue
            title = norm(g.get("title") or "")
            if title and title in hay:
                used.add(j)
                pairs.append((i, j))
                break
    return pairs


def _texts(items: Iterable[Any]) -> list[str]:
    out = []
    for x in items or []:
        out.append(x["text"] if isinstance(x, dict) else x)
    return out


def _task_field(t: Mapping[str, Any], name: str) -> list[str]:
    if name == "deadline":
        d = t.get("deadline")
        if d is None:
            return []
        return [d["text"] if isinstance(d, dict) else d]
    return _texts(t.get(name) or [])


def _field_counts(name: str, s: list[str], g: list[str]) -> Counts:
    return _field_match(name, s, g)[0]


def _field_match(name: str, s: list[str], g: list[str]) -> tuple[Counts, list[str], list[str]]:
    if name == "outcomes":
        return _one_to_one_match(s, g, outcome_match)
    if name in ("lead_persons", "persons"):
        return _one_to_one_match(s, g, person_match)
    return _set_match(s, g, policy=name in ("cites", "policies"))


def score_document(system: Mapping[str, Any], gold: Mapping[str, Any], report: Report,
                   name: str = "") -> None:
    """Add one document's counts to ``report``, and what it got wrong to ``report.misses``
    (under ``name``)."""
    doc = name
    genre = gold.get("genre", "other")
    report.docs += 1
    for fname in DOC_FIELDS:
        c, fp, fn = _field_match(fname, _texts(system.get(fname) or []), list(gold.get(fname) or []))
        report.add(genre, fname, c)
        report.miss(doc, fname, None, fp, fn)
    stasks, gtasks = list(system.get("tasks") or []), list(gold.get("tasks") or [])
    pairs = match_tasks(stasks, gtasks)
    report.add(genre, "tasks", Counts(len(pairs), len(stasks) - len(pairs), len(gtasks) - len(pairs)))
    matched_s = {i for i, _ in pairs}
    matched_g = {j for _, j in pairs}
    report.miss(doc, "tasks", None, [t.get("title") or "" for i, t in enumerate(stasks) if i not in matched_s],
                [g.get("title") or "" for j, g in enumerate(gtasks) if j not in matched_g])
    for fname in TASK_FIELDS:
        total = Counts()
        for i, j in pairs:
            if fname == "lead_persons" and "lead_persons" not in gtasks[j]:
                continue
            c, fp, fn = _field_match(fname, _task_field(stasks[i], fname), _task_field(gtasks[j], fname))
            total.add(c)
            report.miss(doc, fname, gtasks[j].get("title"), fp, fn)
        for j, g in enumerate(gtasks):
            if j not in matched_g and (fname != "lead_persons" or "lead_persons" in g):
                items = _task_field(g, fname)
                total.fn += len(items)
                report.miss(doc, fname, f"{g.get('title')} (gold task not found)", [], items)
        for i, t in enumerate(stasks):
            if i not in matched_s and fname != "lead_persons":
                items = _task_field(t, fname)
                total.fp += len(items)
                report.miss(doc, fname, f"{t.get('title')} (not a gold task)", items, [])
        report.add(genre, fname, total)


def format_misses(report: Report, fields: Iterable[str] = ()) -> str:
    """``kg eval --errors``: per document and field, the false positives (+) and false
    negatives (-), task by task for the task fields."""
    wanted = set(fields)
    lines: list[str] = []
    last_doc = None
    for m in report.misses:
        if wanted and m.field not in wanted:
            continue
        if m.doc != last_doc:
            lines.append(f"== {m.doc}")
            last_doc = m.doc
        where = f"{m.field} [{m.task}]" if m.task else m.field
        lines.append(f"  {where}")
        lines.extend(f"    + {x}" for x in m.fp)
        lines.extend(f"    - {x}" for x in m.fn)
    return "\n".join(lines)


# --- resolution --------------------------------------------------------------------------


def score_pairs(system: Mapping[str, Any], pairs_doc: Mapping[str, Any]) -> Counts:
    """Pairs file: {"same": [[a, b], ...], "different": [[a, b], ...]} of mention strings."""
    canon: dict[str, str] = {}
    for group in ("units",):
        for u in system.get(group) or []:
            canon.setdefault(norm(u["text"]), u.get("canonical") or u["text"])
    for t in system.get("tasks") or []:
        for key in ("lead_units", "support_units"):
            for u in t.get(key) or []:
                canon.setdefault(norm(u["text"]), u.get("canonical") or u["text"])
    c = Counts()
    for kind in ("same", "different"):
        for pair in pairs_doc.get(kind) or []:
            a, b = _pair_texts(pair)
            ca, cb = canon.get(norm(a)), canon.get(norm(b))
            said_same = ca is not None and ca == cb
            if kind == "same":
                if said_same:
                    c.tp += 1
                else:
                    c.fn += 1
            elif said_same:
                c.fp += 1
    return c


def _pair_texts(pair: Any) -> tuple[str, str]:
    if isinstance(pair, dict):
        vals = [pair.get(k) for k in ("a", "b")] if "a" in pair else list(pair.values())[:2]
        return str(vals[0]), str(vals[1])
    return str(pair[0]), str(pair[1])


# --- driver --------------------------------------------------------------------------------


def gold_files(dirs: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for d in dirs:
        p = Path(d)
        if p.is_file() and p.name.endswith(".gold.json"):
            out.append(p)
        else:
            out.extend(sorted(p.glob("*.gold.json")))
    return out


def text_for_gold(gold_path: Path) -> Path:
    return gold_path.with_name(gold_path.name[: -len(".gold.json")] + ".txt")


def format_table(report: Report, resolution: Counts | None = None) -> str:
    order = ("tasks", "lead_units", "support_units", "deadline", "cites", "outcomes", "lead_persons",
             "units", "policies", "places", "persons")
    genres = sorted(report.by_genre)
    head = f"{'field':<14}{'P':>7}{'R':>7}{'F1':>7}{'TP':>6}{'FP':>6}{'FN':>6}  " + "  ".join(
        f"{g[:8]:>8}" for g in genres)
    lines = [f"documents: {report.docs}", head, "-" * len(head)]
    total = Counts()
    for name in order:
        c = report.fields.get(name)
        if c is None:
            continue
        total.add(c)
        per = "  ".join(f"{report.by_genre[g].get(name, Counts()).f1:>8.3f}" for g in genres)
        lines.append(f"{name:<14}{c.precision:>7.3f}{c.recall:>7.3f}{c.f1:>7.3f}{c.tp:>6}{c.fp:>6}{c.fn:>6}  {per}")
    lines.append(f"{'micro total':<14}{total.precision:>7.3f}{total.recall:>7.3f}{total.f1:>7.3f}"
                 f"{total.tp:>6}{total.fp:>6}{total.fn:>6}")
    if resolution is not None:
        lines.append(f"{'resolution':<14}{resolution.precision:>7.3f}{resolution.recall:>7.3f}"
                     f"{resolution.f1:>7.3f}{resolution.tp:>6}{resolution.fp:>6}{resolution.fn:>6}")
    return "\n".join(lines)


def report_json(report: Report, resolution: Counts | None = None) -> dict[str, Any]:
    def cd(c: Counts) -> dict[str, Any]:
        return {"precision": round(c.precision, 4), "recall": round(c.recall, 4), "f1": round(c.f1, 4),
                "tp": c.tp, "fp": c.fp, "fn": c.fn}
    out: dict[str, Any] = {"documents": report.docs,
                           "fields": {k: cd(v) for k, v in report.fields.items()},
                           "by_genre": {g: {k: cd(v) for k, v in f.items()} for g, f in report.by_genre.items()}}
    if resolution is not None:
        out["resolution"] = cd(resolution)
    return out


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
