"""The query pack: named, parameterised read-only Cypher queries shipped as ``*.cypher``.

A pack file starts with a header of ``//`` comment lines, then the Cypher::

    // name: unit_tasks
    // description: Tasks a unit leads or supports, with role and document
    // param: unit (string, default "区财政局") — canonical unit name or alias
    // param: limit (integer, default 50)
    MATCH (u:Unit) WHERE u.name = $unit ...

Header keys: ``name`` (required, ``[a-z][a-z0-9_]*``, unique in the pack),
``description`` (required; repeated lines are joined) and any number of ``param``.
A param line is ``NAME (TYPE[, default VALUE])[ — DESCRIPTION]`` where TYPE is one of
``string``, ``integer``, ``float``, ``boolean``, ``date`` (ISO ``YYYY-MM-DD``, passed
as a string) or ``list`` (of strings; comma-separated on the command line) and VALUE
is a JSON literal (``"text"``, ``50``, ``1.5``, ``true``, ``null``, ``["a", "b"]``).  A
param without a default is required.  The separator before the description may be
``—``, ``--`` or ``-``.  Every ``$name`` in the Cypher must be declared and every
declared param must be used.  Packs are read-only: write clauses are rejected.

User values are only ever passed to the store as query parameters (:func:`bind`
produces the parameter dict); nothing is formatted into the Cypher text.

The shipped queries stay inside the Cypher subset FalkorDB and Neo4j 5 share, order
their rows totally, and return only scalars, lists and maps, so both stores give
identical rows.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from kg.errors import QueryError

__all__ = ["Param", "Query", "TYPES", "parse_query", "load_pack", "get_query", "bind", "run_query", "write_clause"]

TYPES = ("string", "integer", "float", "boolean", "date", "list")

_QUERY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_ -]*?)\s*:\s*(.*)$")
_PARAM_LINE = re.compile(
    r"""^(?P<name>\S+)\s*
        \(\s*(?P<type>[A-Za-z]+)\s*(?:,\s*default\s+(?P<default>.*?))?\s*\)
        \s*(?:(?:—|--|-|:)\s*(?P<desc>.*))?$""",
    re.VERBOSE,
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
# string literals, quoted identifiers and comments, matched left to right in one pass
_NOT_CODE = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`|//[^\n]*|/\*.*?\*/""", re.S)
_PARAM_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_WRITE = re.compile(
    r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|FOREACH|LOAD\s+CSV)\b|\bCALL\s*\{", re.IGNORECASE
)


@dataclass(frozen=True)
class Param:
    name: str
    type: str                 # one of TYPES
    default: Any = None       # already typed (lists are tuples, so Param stays hashable)
    description: str = ""
    required: bool = False    # declared without a default


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    params: tuple[Param, ...]
    cypher: str
    path: str = ""

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise QueryError(f"query {self.name!r} has no parameter {name!r}; {_known_params(self)}")


def _known_params(q: Query) -> str:
    return f"its parameters are {', '.join(p.name for p in q.params)}" if q.params else "it takes no parameters"


# --- parsing --------------------------------------------------------------------------


def _typed(value: Any, typ: str, where: str) -> Any:
    """Check an already-typed value (a JSON default or a programmatic argument)."""
    if value is None:
        return None
    if typ in ("string", "date"):
        if not isinstance(value, str):
            raise QueryError(f"{where}: expected a {typ}, got {value!r}")
        if typ == "date" and not _DATE.match(value):
            raise QueryError(f"{where}: expected an ISO date YYYY-MM-DD, got {value!r}")
        return value
    if typ == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise QueryError(f"{where}: expected an integer, got {value!r}")
        return value
    if typ == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise QueryError(f"{where}: expected a finite number, got {value!r}")
        return float(value)
    if typ == "boolean":
        if not isinstance(value, bool):
            raise QueryError(f"{where}: expected true or false, got {value!r}")
        return value
    if typ == "list":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise QueryError(f"{where}: expected a list of strings, got {value!r}")
        return tuple(value)
    raise QueryError(f"{where}: unknown type {typ!r}; use one of {', '.join(TYPES)}")  # pragma: no cover


def _parse_param(text: str, where: str) -> Param:
    m = _PARAM_LINE.match(text.strip())
    if not m:
        raise QueryError(
            f"{where}: malformed param line {text.strip()!r}; expected "
            f"'NAME (TYPE[, default VALUE]) — description'"
        )
    name, typ = m["name"], m["type"].lower()
    if not _PARAM_NAME.match(name):
        raise QueryError(f"{where}: bad parameter name {name!r}")
    if typ not in TYPES:
        raise QueryError(f"{where}: parameter {name}: unknown type {typ!r}; use one of {', '.join(TYPES)}")
    required = m["default"] is None
    default = None
    if not required:
        try:
            default = json.loads(m["default"])
        except ValueError:
            raise QueryError(
                f"{where}: parameter {name}: default {m['default']!r} is not a JSON literal "
                f"(quote strings: \"text\")"
            ) from None
        default = _typed(default, typ, f"{where}: default of {name}")
    return Param(name=name, type=typ, default=default, description=(m["desc"] or "").strip(), required=required)


def write_clause(cypher: str) -> str | None:
    """The first write clause in ``cypher`` (``"CREATE"``, ``"DETACH"``, ``"LOAD CSV"``, …,
    upper case), ignoring strings and comments; None when it only reads."""
    m = _WRITE.search(_strip_for_scan(cypher))
    return " ".join(m.group(0).split()).upper() if m else None


def _strip_for_scan(cypher: str) -> str:
    """The Cypher without string literals and // comments (for $name and keyword scans)."""
    return _NOT_CODE.sub(lambda m: "''" if m.group(0)[0] in "'\"`" else " ", cypher)


def parse_query(text: str, path: str = "<string>") -> Query:
    """Parse one pack file; QueryError (naming the file) when it is malformed."""
    lines = text.splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    name: str | None = None
    desc: list[str] = []
    params: list[Param] = []
    while i < len(lines) and lines[i].lstrip().startswith("//"):
        body = lines[i].lstrip()[2:].strip()
        where = f"{path}:{i + 1}"
        i += 1
        if not body:
            continue
        m = _HEADER_KEY.match(body)
        if not m:
            continue  # a free comment line
        key, value = m[1].strip().lower(), m[2].strip()
        if key == "name":
            if name is not None:
                raise QueryError(f"{where}: second 'name' line")
            if not _QUERY_NAME.match(value):
                raise QueryError(f"{where}: bad query name {value!r} (lower case letters, digits, _)")
            name = value
        elif key == "description":
            if value:
                desc.append(value)
        elif key == "param":
            p = _parse_param(value, where)
            if any(q.name == p.name for q in params):
                raise QueryError(f"{where}: parameter {p.name!r} declared twice")
            params.append(p)
        else:
            raise QueryError(f"{where}: unknown header key {key!r}; use name, description or param")
    if name is None:
        raise QueryError(f"{path}: no '// name:' line in the header")
    if not desc:
        raise QueryError(f"{path}: query {name}: no '// description:' line in the header")
    cypher = "\n".join(lines[i:]).strip()
    if not cypher:
        raise QueryError(f"{path}: query {name}: no Cypher after the header")
    scan = _strip_for_scan(cypher)
    w = _WRITE.search(scan)
    if w:
        raise QueryError(f"{path}: query {name}: packs are read-only, found {w.group(0).strip()!r}")
    used = set(_PARAM_USE.findall(scan))
    declared = {p.name for p in params}
    if used - declared:
        raise QueryError(f"{path}: query {name}: undeclared parameter(s) {', '.join(sorted(used - declared))}")
    if declared - used:
        raise QueryError(f"{path}: query {name}: declared but unused parameter(s) {', '.join(sorted(declared - used))}")
    return Query(name=name, description=" ".join(desc), params=tuple(params), cypher=cypher, path=path)


# --- the pack ---------------------------------------------------------------------------


def _parse_files(files: list[tuple[str, str]]) -> tuple[Query, ...]:
    pack: dict[str, Query] = {}
    for path, text in sorted(files):
        q = parse_query(text, path)
        if q.name in pack:
            raise QueryError(f"{path}: query name {q.name!r} already used by {pack[q.name].path}")
        pack[q.name] = q
    return tuple(q for _, q in sorted(pack.items()))


@lru_cache(maxsize=1)
def _shipped() -> tuple[Query, ...]:
    root = resources.files(__name__)
    files = [
        (f"{__name__}/{entry.name}", entry.read_text(encoding="utf-8"))
        for entry in root.iterdir()
        if entry.name.endswith(".cypher") and entry.is_file()
    ]
    return _parse_files(files)


def load_pack(directory: str | Path | None = None) -> tuple[Query, ...]:
    """Every query of the shipped pack (read via importlib.resources), or of the
    ``*.cypher`` files in ``directory`` when given; sorted by name, names unique."""
    if directory is None:
        return _shipped()
    d = Path(directory)
    if not d.is_dir():
        raise QueryError(f"{d}: not a directory of .cypher files")
    return _parse_files([(str(p), p.read_text(encoding="utf-8")) for p in d.glob("*.cypher")])


def get_query(name: str, pack: Iterable[Query] | None = None) -> Query:
    """The query called ``name`` (in the shipped pack unless ``pack`` is given)."""
    queries = tuple(load_pack() if pack is None else pack)
    for q in queries:
        if q.name == name:
            return q
    known = ", ".join(q.name for q in queries) or "(none)"
    raise QueryError(f"unknown query {name!r}; known queries: {known}")


# --- binding ----------------------------------------------------------------------------


def _convert(raw: Any, p: Param, qname: str) -> Any:
    where = f"query {qname}: parameter {p.name}"
    if not isinstance(raw, str):
        return _typed(list(raw) if isinstance(raw, tuple) else raw, p.type, where)
    s = raw.strip()
    if p.type == "string":
        return raw
    if p.type == "date":
        if not _DATE.match(s):
            raise QueryError(f"{where}: expected an ISO date YYYY-MM-DD, got {raw!r}")
        return s
    if p.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", s):
            raise QueryError(f"{where}: expected an integer, got {raw!r}")
        v = int(s)
        if not -(2**63) <= v < 2**63:
            raise QueryError(f"{where}: {raw!r} does not fit in 64 bits")
        return v
    if p.type == "float":
        try:
            v = float(s)
        except ValueError:
            raise QueryError(f"{where}: expected a number, got {raw!r}") from None
        if not math.isfinite(v):
            raise QueryError(f"{where}: expected a finite number, got {raw!r}")
        return v
    if p.type == "boolean":
        if s.lower() in _TRUE:
            return True
        if s.lower() in _FALSE:
            return False
        raise QueryError(f"{where}: expected true or false, got {raw!r}")
    if p.type == "list":
        return [item.strip() for item in s.split(",") if item.strip()]
    raise QueryError(f"{where}: unknown type {p.type!r}")  # pragma: no cover


def bind(query: Query, raw: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Typed parameters for ``query`` from CLI strings (``-p key=value``).

    Strings are converted to the declared type (list: comma-separated); values that are
    already typed are checked.  Defaults fill the rest; a required parameter without a
    value or an unknown name is a QueryError.  The result holds every declared
    parameter and is meant to be passed as query parameters, never formatted into Cypher.
    """
    raw = dict(raw or {})
    unknown = sorted(set(raw) - {p.name for p in query.params})
    if unknown:
        raise QueryError(f"query {query.name}: unknown parameter(s) {', '.join(unknown)}; {_known_params(query)}")
    out: dict[str, Any] = {}
    for p in query.params:
        if p.name in raw:
            out[p.name] = _convert(raw[p.name], p, query.name)
        elif p.required:
            raise QueryError(f"query {query.name}: parameter {p.name} ({p.type}) is required")
        else:
            out[p.name] = list(p.default) if isinstance(p.default, tuple) else p.default
        if isinstance(out[p.name], tuple):
            out[p.name] = list(out[p.name])
    return out


def run_query(store: Any, name: str, raw: Mapping[str, Any] | None = None,
              pack: Iterable[Query] | None = None) -> list[dict[str, Any]]:
    """Look up, bind and run a pack query on a :class:`kg.stores.base.GraphStore`."""
    q = get_query(name, pack)
    return store.read(q.cypher, bind(q, raw))
