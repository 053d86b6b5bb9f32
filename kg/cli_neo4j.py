"""``kg neo4j start|status|stop``: a local Neo4j Community server for development.

``start`` prints shell-evaluable lines, so ``eval "$(kg neo4j start)"`` sets
NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD for :meth:`kg.stores.neo4j.Neo4jStore.from_env`.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from kg import neo4j_server as server
from kg.errors import KgError

_DIR_HELP = "instance directory (default: $KG_NEO4J_DIR or ~/.local/share/reform-kg/neo4j)"


def _dir(value: Path | None) -> Path:
    return (value or server.default_server_dir()).expanduser().resolve()


@click.group("neo4j")
def neo4j_group() -> None:
    """Run a local Neo4j Community server (jars from Maven Central)."""


@neo4j_group.command("start")
@click.option("--dir", "dir_", type=click.Path(file_okay=False, path_type=Path), default=None, help=_DIR_HELP)
@click.option("--timeout", type=float, default=180.0, show_default=True, help="seconds to wait for Bolt")
def start_cmd(dir_: Path | None, timeout: float) -> None:
    """Provision (first time) and start the server, or reuse a running one.

    Prints NEO4J_URI=..., NEO4J_USER=..., NEO4J_PASSWORD=... lines.
    """
    try:
        info = server.start(_dir(dir_), timeout=timeout)
    except KgError as exc:
        raise click.ClickException(str(exc)) from None
    for key, value in info.env().items():
        click.echo(f"{key}={shlex.quote(value)}")


@neo4j_group.command("status")
@click.option("--dir", "dir_", type=click.Path(file_okay=False, path_type=Path), default=None, help=_DIR_HELP)
def status_cmd(dir_: Path | None) -> None:
    """Say whether the server runs and answers; exit 3 when it does not."""
    try:
        st = server.status(_dir(dir_))
    except KgError as exc:
        raise click.ClickException(str(exc)) from None
    if st.running:
        click.echo(f"running: pid {st.pid}, {st.uri} (user {st.user}), dir {st.dir}")
        return
    if st.state == "not-answering":
        click.echo(f"not answering: pid {st.pid}, {st.uri}: {st.detail}; dir {st.dir}")
    elif st.state == "stopped":
        click.echo(f"stopped: dir {st.dir}")
    else:
        click.echo(f"absent: no Neo4j instance in {st.dir}")
    raise SystemExit(3)


@neo4j_group.command("stop")
@click.option("--dir", "dir_", type=click.Path(file_okay=False, path_type=Path), default=None, help=_DIR_HELP)
@click.option("--timeout", type=float, default=60.0, show_default=True, help="seconds before SIGKILL")
def stop_cmd(dir_: Path | None, timeout: float) -> None:
    """Stop the server cleanly (SIGTERM, SIGKILL after --timeout)."""
    d = _dir(dir_)
    try:
        stopped = server.stop(d, timeout=timeout)
    except KgError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"stopped: {d}" if stopped else f"not running: {d}")
