"""``kg`` command line: options in, library calls, tables/JSON/CSV out.  Nothing else."""

from __future__ import annotations

import csv
import io
import json
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
        w.writerow(cols)
        for r in rows:
            w.writerow([safe_csv_cell(r.get(c)) for c in cols])
        click.echo(buf.getvalue(), nl=False)
        return
    if not rows:
        click.echo("(no rows)")
        return
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(_width(c), *(_width(row[i]) for row in cells)) for i, c in enumerate(cols)]
    widths = [min(w, 60) for w in widths]
    click.echo("  ".join(_pad(c, w) for c, w in zip(cols, widths)))
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(_pad(_clip(v, w), w) for v, w in zip(row, widths)))


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
@click.option("--include", multiple=True, default=("*",), show_default=True, help="Glob of files to take.")
@click.option("--exclude", multiple=True, help="Glob of files to leave out.")
@click.option("--max-bytes", type=int, default=20 * 1024 * 1024, show_default=True, help="Skip larger files.")
@click.option("--corrections", type=click.Path(dir_okay=False), default=None,
              help="Researchers' alias/split file (YAML) applied during resolution ($KG_CORRECTIONS).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Write the per-file report (JSON) here (default <store>/last-ingest.json).")
def ingest(paths, include, exclude, max_bytes, corrections, report_path, **store_opts) -> None:
    """Read, extract and load documents (files or folders) into the graph."""
    from kg.loaders.ingest import ingest as run_ingest
    from kg.resolve import Corrections

    settings = _settings(**store_opts, corrections=Path(corrections) if corrections else None)
    corr = Corrections.load(settings.corrections) if settings.corrections else None
    shown = sys.stderr.isatty()
    with _store(settings) as store:
        def on_file(r):
            if r.status == "failed":
                click.echo(f"failed: {r.reason}", err=True)
            elif shown:
                click.echo(f"{r.status:>9}  {r.path}  ({r.tasks} tasks)", err=True)

        report = run_ingest(list(paths), store, include=include, exclude=exclude, max_bytes=max_bytes,
                            corrections=corr, on_file=on_file)
        stats = store.stats()
    out = Path(report_path) if report_path else settings.store_dir / "last-ingest.json"
    if settings.neo4j_uri and not report_path:
        out = Path("last-ingest.json")
    report.write(out)
    click.echo(report.summary())
    click.echo(_stats_line(stats))
    click.echo(f"report: {out}")
    if not report.complete:
        sys.exit(2)


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
    from kg.extract.pipeline import extraction_to_contract
    from kg.pipeline import process_file
    from kg.read import iter_files
    from kg.resolve import Corrections, canonical_names

    corr = Corrections.load(corrections) if corrections else None
    failed = 0
    for path in iter_files(list(paths), only_supported=True):
        try:
            p = process_file(path, corrections=corr)
        except KgError as exc:
            click.echo(f"failed: {exc}", err=True)
            failed += 1
            continue
        contract = extraction_to_contract(p.extraction, canonical_names(p.resolved))
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
def eval_cmd(dirs, fmt) -> None:
    """Score extraction against *.gold.json (and resolution against *.pairs.json)."""
    from kg.evaluate import evaluate

    report, resolution, units = evaluate(dirs)
    from kg import eval as ev

    if fmt == "json":
        out = ev.report_json(report, resolution)
        out["canonical_units"] = units
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(ev.format_table(report, resolution))
    for name, (system, gold) in units.items():
        click.echo(f"canonical units in {name}: {system} (gold {gold})")


# --- store commands ----------------------------------------------------------------------------


@main.command()
@_store_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def stats(fmt, **store_opts) -> None:
    """Counts per label and relationship type."""
    with _store(_settings(**store_opts)) as store:
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
    raw = _parse_params(params)
    if cypher:
        text, bound = cypher, raw
    else:
        q = get_query(name)
        text, bound = q.cypher, bind(q, raw)
    with _store(_settings(**store_opts)) as store:
        rows = store.read(text, bound)
    _print_rows(rows, fmt)


def _parse_params(params: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in params:
        if "=" not in p:
            raise click.BadParameter(f"{p!r} is not KEY=VALUE", param_hint="-p")
        k, v = p.split("=", 1)
        out[k.strip()] = v
    return out


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
    with _store(_settings(**store_opts)) as store:
        rows = store.read(q.cypher, bind(q, {"contains": name_filter or ""}))
    _print_rows(rows, fmt)


@main.command()
@click.argument("doc_ids", nargs=-1, required=True)
@_store_options
def forget(doc_ids, **store_opts) -> None:
    """Remove documents and every fact only they supported."""
    with _store(_settings(**store_opts)) as store:
        for d in doc_ids:
            click.echo(f"{'forgot' if store.forget_document(d) else 'not found'}: {d}")


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
                click.echo(f"  failed: {r.reason}")
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
