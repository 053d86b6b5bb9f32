"""``kg export --format neo4j-admin -o DIR PATH...``: the bulk path into Neo4j.

Runs the pure pipeline over the files (no store) and writes the header/data CSVs for
``neo4j-admin database import full`` (see :mod:`kg.export`).  With ``--import-into``
it also runs the importer of the provisioned jars into a stopped ``kg neo4j`` instance.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path

import click

from kg.errors import KgError


@click.command("export")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["neo4j-admin"]), default="neo4j-admin", show_default=True,
              help="Output format (CSV headers + data for neo4j-admin database import full).")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the CSV files (created; earlier nodes_*/rels_* files in it are replaced).")
@click.option("--include", multiple=True, default=("*",), show_default=True, help="Glob of files to take.")
@click.option("--exclude", multiple=True, help="Glob of files to leave out.")
@click.option("--max-bytes", type=int, default=20 * 1024 * 1024, show_default=True, help="Skip larger files.")
@click.option("--corrections", type=click.Path(dir_okay=False), default=None,
              help="Researchers' alias/split file (YAML) applied during resolution ($KG_CORRECTIONS).")
@click.option("--import-into", "import_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also import into the `neo4j` database of this (stopped) `kg neo4j` instance directory, "
                   "replacing what it holds.")
def export(paths, fmt, out_dir, include, exclude, max_bytes, corrections, import_dir) -> None:
    """Write documents as CSV files for neo4j-admin (the fast path into an empty Neo4j)."""
    from kg.export import ARGS_FILE, POST_IMPORT, export_paths
    from kg.resolve import Corrections

    corrections = corrections or os.environ.get("KG_CORRECTIONS") or None
    try:
        corr = Corrections.load(corrections) if corrections else None
        t0 = time.perf_counter()
        report = export_paths(
            list(paths), out_dir, include=include, exclude=exclude, max_bytes=max_bytes, corrections=corr,
            on_file=lambda r: click.echo(f"failed: {getattr(r, 'message', r.reason)}", err=True)
            if r.status == "failed" else None,
        )
        took = time.perf_counter() - t0
    except KgError as exc:
        raise click.ClickException(str(exc)) from None
    st = report.stats
    written = report.written
    assert written is not None
    click.echo(report.summary())
    click.echo("nodes: " + ", ".join(f"{k} {v}" for k, v in st.labels.items()))
    click.echo("relationships: " + ", ".join(f"{k} {v}" for k, v in st.relationships.items()))
    click.echo(f"wrote {len(written.files)} files ({written.rows} rows) to {written.directory} in {took:.1f}s")

    if import_dir is not None:
        from kg import neo4j_server as server

        t1 = time.perf_counter()
        try:
            server.import_full(import_dir, [f"@{written.args_file}"])
        except KgError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"imported into {Path(import_dir).resolve()} (database neo4j) in "
                   f"{time.perf_counter() - t1:.1f}s; start it with `kg neo4j start --dir {import_dir}`, then "
                   f"run {written.directory / POST_IMPORT} (constraints, indexes, empty lists)")
    else:
        click.echo("import (server stopped): neo4j-admin " + " ".join(shlex.quote(a) for a in written.admin_args()))
        click.echo(f"then, server started: cypher-shell -f {shlex.quote(str(written.directory / POST_IMPORT))}")
    click.echo(f"options: {written.directory / ARGS_FILE}; report: {written.directory / 'export-report.json'}")
    if not report.complete:
        sys.exit(2)
