"""``kg`` command line: options in, library calls, tables/JSON/CSV out.  Nothing else."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Sequence

import click

from kg.errors import KgError
from kg.settings import Settings


# --- shared options ------------------------------------------------------------------------


def _store_options(f):
    f = click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
                     help="Embedded store directory (default ./kg-data or $KG_STORE).")(f)
    f = click.option("--neo4j", "neo4j_uri", default=None,
                     help="Use Neo4j at this bolt URI instead of the embedded store ($NEO4J_URI).")(f)
    f = click.option("--neo4j-user", default=None, help="Neo4j user ($NEO4J_USER, default neo4j).")(f)
    f = click.option("--neo4j-password", default=None, help="Neo4j password ($NEO4J_PASSWORD).")(f)
    f = click.option("--neo4j-database", default=None, help="Neo4j database ($NEO4J_DATABASE).")(f)
    return f


def _settings(store_dir=None, neo4j_uri=None, neo4j_user=None, neo4j_password=None,
              neo4j_database=None, **extra) -> Settings:
    return Settings.from_env(store_dir=store_dir, neo4j_uri=neo4j_uri, neo4j_user=neo4j_user,
                             neo4j_password=neo4j_password, neo4j_database=neo4j_database, **extra)


@contextmanager
def _store(settings: Settings) -> Iterator[Any]:
    from kg.stores import open_store

    with open_store(settings) as store:
        yield store


@contextmanager
def _graph(settings: Settings) -> Iterator[Any]:
    """The store as a :class:`kg.api.Graph` (the Python API the commands share)."""
    from kg.api import open_settings

    with open_settings(settings) as g:
        yield g


def _require_store(settings: Settings) -> Settings:
    """Commands that only look at a graph: an embedded store directory that does not exist
    is a typo or a missing ``kg ingest``, not an empty graph."""
    if not settings.neo4j_uri and not settings.store_dir.is_dir():
        raise click.ClickException(
            f"no store at {settings.store_dir} (no such directory); load documents first with "
            f"`kg ingest PATH --store {settings.store_dir}`, or point --store/$KG_STORE at an existing store")
    return settings


def _fail(exc: KgError) -> click.ClickException:
    return click.ClickException(str(exc))


class _Group(click.Group):
    """Library errors become one-line messages; Ctrl-C exits 130 after cleanup."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KgError as exc:
            raise _fail(exc) from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group)
@click.version_option(package_name="reform-kg")
def main() -> None:
    """reform-kg: Chinese government reform documents -> knowledge graph."""


# --- output helpers ----------------------------------------------------------------------------


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def safe_csv_cell(v: Any) -> str:
    """Neutralise cells a spreadsheet would run as formulas (=, +, -, @ at the start)."""
    s = _cell(v)
    if s and s[0] in "=+-@\t\r":
        return "'" + s
    return s


def _print_rows(rows: Sequence[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow([safe_csv_cell(c) for c in cols])
        for r in rows:
            w.writerow([safe_csv_cell(r.get(c)) for c in cols])
        click.echo(buf.getvalue(), nl=False)
        return
    if not rows:
        click.echo("(no rows)")
        return
    cols_shown = [_table_cell(c) for c in cols]
    cells = [[_table_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(_width(c), *(_width(row[i]) for row in cells)) for i, c in enumerate(cols_shown)]
    widths = [min(w, 60) for w in widths]
    click.echo("  ".join(_pad(_clip(c, w), w) for c, w in zip(cols_shown, widths)))
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(_pad(_clip(v, w), w) for v, w in zip(row, widths)))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _table_cell(v: Any) -> str:
    """A cell for the terminal: line breaks and tabs become spaces, other control
    characters (e.g. an ESC from a document's text) a visible U+FFFD, never raw."""
    return _CONTROL.sub(lambda m: " " if m.group(0) in "\t\n\r\x0b\x0c\u2028\u2029" else "\ufffd", _cell(v))


def _width(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _clip(s: str, w: int) -> str:
    while _width(s) > w:
        s = s[:-2] + "…"
    return s


def _pad(s: str, w: int) -> str:
    return s + " " * max(0, w - _width(s))


# --- ingest / extract / eval ----------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_store_options
@click.option("--include", multiple=True, default=("*",), show_default=True,
              help="Glob of files to take from folders (name or path relative to the folder).")
@click.option("--exclude", multiple=True, help="Glob of files (or sub-folders) to leave out of folders.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=20 * 1024 * 1024, show_default=True,
              help="Files larger than this fail with a message.")
@click.option("--corrections", type=click.Path(dir_okay=False), default=None,
              help="Researchers' alias/split file (YAML) applied during resolution ($KG_CORRECTIONS).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Write the per-file report (JSON) here (default <store>/last-ingest.json).")
def ingest(paths, include, exclude, max_bytes, corrections, report_path, **store_opts) -> None:
    """Read, extract and load documents (files or folders, recursively) into the graph.

    Every file that is skipped or fails is named on stderr with the reason; the rest
    load.  Exit status: 0 complete, 2 partial (some files failed), 1 when the store
    failed (re-run the same command: stored documents come back "unchanged").
    """
    from kg.api import load_corrections
    from kg.loaders.ingest import IngestReport

    settings = _settings(**store_opts, corrections=Path(corrections) if corrections else None)
    corr = load_corrections(settings.corrections)
    out = Path(report_path) if report_path else settings.store_dir / "last-ingest.json"
    if settings.neo4j_uri and not report_path:
        out = Path("last-ingest.json")
    report = IngestReport()
    progress = _Progress() if _stderr_is_tty() else None

    def on_file(r) -> None:
        if r.status in ("failed", "duplicate", "skipped"):
            _note(progress, f"{'failed' if r.status == 'failed' else 'skipped'}: {r.message}")
        if progress:
            progress.step(r.path)

    try:
        with _graph(settings) as g:
            g.ingest(list(paths), include=include, exclude=exclude, max_bytes=max_bytes,
                     corrections=corr, on_file=on_file, report=report,
                     on_start=progress.start if progress else None)
            stats = g.stats()
    except (KgError, KeyboardInterrupt) as exc:
        if progress:
            progress.done()
        if report.total is None:        # the store could not be opened: nothing was tried
            raise
        if report.aborted is None:
            report.aborted = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
        written = _write_report(report, out)
        if isinstance(exc, KeyboardInterrupt):
            raise
        done = (f"{report.loaded} of {report.total} file(s) loaded before it stopped; "
                f"re-run the same command to finish")
        raise click.ClickException(f"{exc} ({done}" + (f"; report: {written})" if written else ")")) from None
    if progress:
        progress.done()
    if report.total == 0:
        click.echo(f"nothing to ingest: no document files in {', '.join(paths)}", err=True)
    written = _write_report(report, out)
    click.echo(report.summary())
    click.echo(_stats_line(stats))
    if written:
        click.echo(f"report: {written}")
    if not report.complete:
        sys.exit(2)


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class _Progress:
    """A one-line ``[ 12/40] path`` counter on stderr (only used when stderr is a terminal)."""

    def __init__(self) -> None:
        self.total = 0
        self.i = 0
        self.shown = False

    def start(self, total: int) -> None:
        self.total = total

    def step(self, path: str) -> None:
        self.i += 1
        width = len(str(self.total))
        line = f"[{self.i:>{width}}/{self.total}] {path}"
        cols = shutil.get_terminal_size((80, 24)).columns
        if _width(line) > cols - 1:
            line = _clip(line, max(10, cols - 1))
        click.echo("\r\x1b[K" + line, err=True, nl=False)
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            click.echo("\r\x1b[K", err=True, nl=False)
            self.shown = False

    def done(self) -> None:
        self.clear()


def _note(progress: "_Progress | None", message: str) -> None:
    """A message line on stderr that does not tangle with the progress counter."""
    if progress:
        progress.clear()
    click.echo(message, err=True)


def _write_report(report, out: Path) -> Path | None:
    try:
        return report.write(out)
    except OSError as exc:
        click.echo(f"cannot write the report {out}: {exc.strerror or exc}", err=True)
        return None


def _stats_line(stats) -> str:
    lab = stats.labels
    rels = sum(stats.relationships.values())
    return (f"documents {lab.get('Document', 0)}, tasks {lab.get('Task', 0)}, units {lab.get('Unit', 0)} "
            f"(+{lab.get('Collective', 0)} collective), policies {lab.get('Policy', 0)}, "
            f"outcomes {lab.get('Outcome', 0)}, places {lab.get('Place', 0)}, persons {lab.get('Person', 0)}, "
            f"relationships {rels}")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True)
@click.option("--corrections", type=click.Path(dir_okay=False), default=None)
def extract(paths, fmt, corrections) -> None:
    """Extract tasks, units, policies, outcomes, places and persons (no store needed)."""
    from kg.api import extract as extract_file
    from kg.api import load_corrections
    from kg.read import iter_files

    corr = load_corrections(corrections) if corrections else None
    failed = 0
    for path in iter_files(list(paths), only_supported=True):
        try:
            contract = extract_file(path, corrections=corr)
        except KgError as exc:
            click.echo(f"failed: {exc}", err=True)
            failed += 1
            continue
        except Exception as exc:  # a bug must not cost the other files; say which file
            click.echo(f"failed: {path}: internal error {type(exc).__name__}: {exc}", err=True)
            failed += 1
            continue
        if fmt == "jsonl":
            click.echo(json.dumps(contract, ensure_ascii=False))
        else:
            click.echo(f"# {path}  {contract['title'] or ''}  {contract['doc_number'] or ''}")
            _print_rows([{
                "id": t["id"], "title": t["title"][:30],
                "lead": "、".join(u["text"] for u in t["lead_units"]),
                "support": "、".join(u["text"] for u in t["support_units"]),
                "deadline": (t["deadline"] or {}).get("text"),
                "outcomes": len(t["outcomes"]),
            } for t in contract["tasks"]], "table")
    if failed:
        sys.exit(2)


@main.command(name="eval")
@click.argument("dirs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--pairs", "pairs_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="More *.pairs.json folders (default: the project's eval/pairs when present).")
@click.option("--errors", is_flag=True, help="Also list each document's false positives (+) and false "
              "negatives (-), task by task.")
@click.option("--field", "fields", multiple=True,
              type=click.Choice(["tasks", "lead_units", "support_units", "deadline", "cites", "outcomes",
                                 "lead_persons", "units", "policies", "places", "persons"]),
              help="With --errors: only this field (repeatable).")
def eval_cmd(dirs, fmt, pairs_dirs, errors, fields) -> None:
    """Score extraction against *.gold.json (and resolution against *.pairs.json)."""
    from kg.evaluate import default_pairs_dirs, evaluate

    report, resolution, units = evaluate(dirs, pairs_dirs or default_pairs_dirs())
    from kg import eval as ev

    if fmt == "json":
        out = ev.report_json(report, resolution)
        out["canonical_units"] = units
        if errors:
            out["errors"] = [m.__dict__ for m in report.misses if not fields or m.field in fields]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(ev.format_table(report, resolution))
    for name, (system, gold) in units.items():
        click.echo(f"canonical units in {name}: {system} (gold {gold})")
    if errors:
        click.echo("")
        click.echo(ev.format_misses(report, fields))


# --- store commands ----------------------------------------------------------------------------


@main.command()
@_store_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def stats(fmt, **store_opts) -> None:
    """Counts per label and relationship type."""
    with _store(_require_store(_settings(**store_opts))) as store:
        s = store.stats()
    if fmt == "json":
        click.echo(json.dumps({"labels": dict(s.labels), "relationships": dict(s.relationships)},
                              ensure_ascii=False, indent=2))
        return
    _print_rows([{"kind": "label", "name": k, "count": v} for k, v in s.labels.items()] +
                [{"kind": "relationship", "name": k, "count": v} for k, v in s.relationships.items()], "table")


@main.command()
@click.argument("name", required=False)
@_store_options
@click.option("--list", "list_", is_flag=True, help="List the pack's queries.")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="Query parameter.")
@click.option("--cypher", default=None, help="Run this read-only Cypher instead of a pack query.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def query(name, list_, params, cypher, fmt, **store_opts) -> None:
    """Run a named query from the pack (user values always go in as parameters)."""
    from kg.queries import bind, get_query, load_pack

    if list_ or (not name and not cypher):
        for q in load_pack():
            ps = ", ".join(f"{p.name}={p.default!r}" for p in q.params)
            click.echo(f"{q.name:<22} {q.description}" + (f"  [{ps}]" if ps else ""))
        return
    if name and cypher:
        raise click.UsageError("give a query name or --cypher, not both")
    raw = _parse_params(params)
    if cypher:
        _check_read_only(cypher)
    else:
        bind(get_query(name), raw)      # an unknown query or a bad value fails before the store opens
    with _graph(_require_store(_settings(**store_opts))) as g:
        rows = g.cypher(cypher, **raw) if cypher else g.query(name, **raw)
    _print_rows(rows, fmt)


def _parse_params(params: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in params:
        if "=" not in p:
            raise click.BadParameter(f"{p!r} is not KEY=VALUE", param_hint="-p")
        k, v = p.split("=", 1)
        if not k.strip():
            raise click.BadParameter(f"{p!r} has no parameter name before '='", param_hint="-p")
        if k.strip() in out:
            raise click.BadParameter(f"parameter {k.strip()!r} given twice", param_hint="-p")
        out[k.strip()] = v
    return out


def _check_read_only(cypher: str) -> None:
    """``--cypher`` only reads: refuse write clauses up front with a clear message.

    The stores run every read in read-only mode as well (FalkorDB GRAPH.RO_QUERY, Neo4j
    read transactions), which also catches writing procedures this scan cannot see.
    """
    from kg.queries import write_clause

    found = write_clause(cypher)
    if found:
        raise click.UsageError(
            f"--cypher only runs read-only queries; found {found!r}. "
            f"Nothing was changed (change the graph with kg ingest / kg forget)")


@main.command()
@click.argument("view", type=click.Choice(["overview", "unit", "query"]))
@click.argument("name", required=False)
@_store_options
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="HTML file to write.")
def viz(view, name, params, output, **store_opts) -> None:
    """Write an offline HTML view: the overview, one unit, or a pack query's rows."""
    from kg import views
    from kg.viz import render

    with _store(_settings(**store_opts)) as store:
        if view == "overview":
            g, title = views.overview_graph(store), "reform-kg overview"
        elif view == "unit":
            if not name:
                raise click.UsageError("kg viz unit NAME")
            g, title = views.unit_graph(store, name), f"unit: {name}"
            if g.number_of_nodes() == 0:
                raise click.ClickException(f"no unit named or aliased {name!r}; see `kg units`")
        else:
            from kg.queries import bind, get_query

            if not name:
                raise click.UsageError("kg viz query NAME")
            q = get_query(name)
            g, title = views.rows_graph(store.read(q.cypher, bind(q, _parse_params(params)))), f"query: {name}"
    path = render(g, output, title=title)
    click.echo(f"wrote {path} ({g.number_of_nodes()} nodes, {g.number_of_edges()} edges)")


@main.command()
@_store_options
@click.option("--name", "name_filter", default=None, help="Only units whose name or alias contains this.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def units(name_filter, fmt, **store_opts) -> None:
    """Canonical units with their aliases, parents, documents and mention counts (for review)."""
    from kg.queries import bind, get_query

    q = get_query("unit_review")
    with _store(_require_store(_settings(**store_opts))) as store:
        rows = store.read(q.cypher, bind(q, {"contains": name_filter or ""}))
    _print_rows(rows, fmt)


@main.command()
@click.argument("doc_ids", nargs=-1, required=True)
@_store_options
def forget(doc_ids, **store_opts) -> None:
    """Remove documents (by id, or by the name of the file they came from without extension)
    and every fact only they supported."""
    from kg.errors import AmbiguousDocument, DocumentNotFound

    missing = False
    with _graph(_require_store(_settings(**store_opts))) as g:
        for d in doc_ids:
            try:
                click.echo(f"forgot: {g.forget(d)}")
            except AmbiguousDocument as exc:
                click.echo(f"ambiguous: {exc}", err=True)
                missing = True
            except DocumentNotFound:
                click.echo(f"not found: {d}", err=True)
                missing = True
    if missing:
        sys.exit(1)


@main.command()
@click.option("--markdown", is_flag=True, help="Render the schema as Markdown tables.")
def schema(markdown) -> None:
    """Show the graph schema (labels, keys, relationship types)."""
    from kg.schema import load_schema

    s = load_schema()
    if markdown:
        click.echo(s.markdown(), nl=False)
    else:
        for st in s.constraint_statements() + s.index_statements():
            click.echo(st + ";")


# --- demo ------------------------------------------------------------------------------------------


DEMO_QUERIES = (("overview_counts", {}), ("top_lead_units", {"limit": "8"}),
                ("policy_citations", {"limit": "5"}))


@main.command()
@_store_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="out", show_default=True,
              help="Where the HTML views go.")
@click.option("--fresh/--keep", default=True, show_default=True, help="Start from an empty graph.")
def demo(out_dir, fresh, **store_opts) -> None:
    """Ingest the sample documents, show answers from the pack, write HTML views."""
    from kg import views
    from kg.loaders.ingest import ingest as run_ingest
    from kg.queries import bind, get_query
    from kg.viz import render

    settings = _settings(**store_opts)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with resources.as_file(resources.files("kg.data").joinpath("sample")) as sample_dir:
        files = sorted(Path(sample_dir).glob("*.txt"))
        with _store(settings) as store:
            if fresh:
                store.clear()
            report = run_ingest([str(f) for f in files], store)
            click.echo(f"ingested {len(files)} sample documents from {sample_dir}: {report.summary()}")
            for r in report.failed:
                click.echo(f"  failed: {r.message}")
            click.echo(_stats_line(store.stats()))
            for qname, raw in DEMO_QUERIES:
                q = get_query(qname)
                click.echo(f"\n== {q.name}: {q.description}")
                _print_rows(store.read(q.cypher, bind(q, raw)), "table")
            top = store.read(get_query("top_lead_units").cypher, bind(get_query("top_lead_units"), {"limit": "1"}))
            written = [render(views.overview_graph(store), out / "overview.html", title="reform-kg overview")]
            if top:
                unit = top[0].get("unit")
                written.append(render(views.unit_graph(store, unit), out / "unit.html", title=f"unit: {unit}"))
    click.echo("\nHTML views:")
    for p in written:
        click.echo(f"  {Path(p).resolve()}")


def _register_optional() -> None:
    """Command groups that live in their own modules (kept out of this file's way)."""
    import importlib

    for module, attr in (("kg.cli_neo4j", "neo4j_group"), ("kg.cli_export", "export")):
        try:
            cmd = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            continue
        main.add_command(cmd)


_register_optional()


if __name__ == "__main__":  # pragma: no cover
    main()
