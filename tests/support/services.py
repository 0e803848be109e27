"""Real services for the tests: a throwaway PostgreSQL cluster, Redis and S3 server per run.

Outside CI a missing server skips the tests that need it, with the reason; with CI=true it
fails them, so a green CI always means every backend really ran.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(what: str) -> None:
    """Skip locally, fail in CI: a missing service is never silently green in CI."""
    message = f"{what} (make test installs it when run as root on Debian)"
    if IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


class RedisProcess:
    """A private redis-server on a fixed free port that a test may kill and start again;
    it keeps nothing across a restart (no RDB, no AOF), as a crashed broker loses its queue."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.workdir = tempfile.mkdtemp(prefix="ff-redis-")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def kill(self) -> None:
        """Die at once, queue and all."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextlib.contextmanager
def redis_process() -> Iterator[RedisProcess]:
    """A private, restartable redis-server; stopped and removed afterwards."""
    binary = shutil.which("redis-server")
    if not binary:
        missing("redis-server is not installed")
    assert binary
    server = RedisProcess(binary)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A private redis-server on a free port; yields its URL."""
    with redis_process() as server:
        yield server.url


def _pg_bindir() -> str | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "initdb")):
            return candidate
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _database_of_this_process(url: str) -> str:
    """The given server's database, or under pytest-xdist (`make test` runs two processes) a
    database of this worker's own on that server, made if missing: two processes emptying
    each other's tables would fail at random."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    from sqlalchemy import create_engine, make_url, text

    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    server = create_engine(parsed, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if found.first() is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        server.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _not_as_root(*paths: Path) -> list[str]:
    """The command prefix that runs a server as the postgres system user when we are root
    (PostgreSQL and PgBouncer refuse root), after handing it `paths`; else nothing."""
    if os.geteuid() != 0:
        return []
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        missing("PostgreSQL's 'postgres' system user does not exist")
    for path in paths:
        os.chown(path, pw.pw_uid, pw.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


class PostgresProcess:
    """A throwaway PostgreSQL cluster on a free port, run as the postgres system user when we
    are root (it refuses root); a test may restart it, as an operator or a crash would."""

    def __init__(self, bindir: str) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="ff-pg-"))
        self.data = self.root / "data"
        self.as_user = _not_as_root(self.root)
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/fairfield_test"

    def _run(self, *cmd: str) -> None:
        subprocess.run(
            [*self.as_user, *cmd], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def _pg_ctl(self, *args: str) -> None:
        self._run(f"{self.bindir}/pg_ctl", "-D", str(self.data), *args)

    def start(self) -> None:
        if not self.data.exists():
            self._run(
                f"{self.bindir}/initdb",
                *("-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"),
                *("-E", "UTF8"),
            )
        self._pg_ctl(
            *("-l", str(self.root / "log"), "-w", "-o"),
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
            # Room for a million-row working set (benchmarks), as a production server has.
            "-c shared_buffers=1GB",
            "start",
        )

    def restart(self, mode: str = "fast") -> None:
        """Stop (`fast`: clients cut, transactions rolled back; `immediate`: as a crash,
        recovered from the WAL at start) and start again on the same port."""
        self._pg_ctl("-m", mode, "-w", "stop")
        self.start()

    def stop(self) -> None:
        pg_ctl = [*self.as_user, f"{self.bindir}/pg_ctl", "-D", str(self.data)]
        subprocess.run(
            [*pg_ctl, "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def postgres_process() -> Iterator[PostgresProcess]:
    """A throwaway, restartable cluster with an empty database fairfield_test (`.url`)."""
    bindir = _pg_bindir()
    if not bindir:
        missing("PostgreSQL (initdb) is not installed")
    assert bindir
    server = PostgresProcess(bindir)
    try:
        server.start()
        server._run(
            f"{bindir}/createdb",
            *("-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", "fairfield_test"),
        )
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """FAIRFIELD_TEST_DATABASE_URL if set, else a throwaway cluster; yields a SQLAlchemy URL."""
    given = os.environ.get("FAIRFIELD_TEST_DATABASE_URL")
    if given:
        yield _database_of_this_process(given)
        return
    with postgres_process() as server:
        yield server.url


def _pgbouncer_binary() -> str | None:
    # Debian installs it in /usr/sbin, outside a non-root user's PATH.
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/bin")


@contextlib.contextmanager
def pgbouncer_server(postgres_url: str, *, pool_size: int = 20) -> Iterator[str]:
    """PgBouncer in transaction pooling mode in front of `postgres_url`, on a free port;
    yields the SQLAlchemy URL of the same database through it.

    Its database `single` is that database too, with one server connection: every client's
    transaction lands on the same server connection, so what one leaves on it (a prepared
    statement, a session setting) shows in the next.
    """
    from sqlalchemy import make_url

    binary = _pgbouncer_binary()
    if not binary:
        missing("pgbouncer is not installed")
    assert binary
    server = make_url(postgres_url)
    workdir = Path(tempfile.mkdtemp(prefix="ff-pgbouncer-"))
    port = free_port()
    target = f"host={server.host} port={server.port or 5432} dbname={server.database}"
    (workdir / "userlist.txt").write_text(f'"{server.username}" "{server.password or ""}"\n')
    (workdir / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{server.database} = {target}\n"
        f"single = {target} pool_size=1\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        # Clients are trusted; PgBouncer logs in to PostgreSQL with the userlist's password.
        f"auth_type = trust\nauth_file = {workdir / 'userlist.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 1000\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {workdir / 'pgbouncer.log'}\n"
    )
    # PgBouncer refuses to run as root, like PostgreSQL.
    as_user = _not_as_root(workdir, *workdir.iterdir())
    proc = subprocess.Popen(
        [*as_user, binary, str(workdir / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield server.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """A private moto S3 API server on a free port; yields its endpoint URL. Its state lives
    in memory only, so stopping it leaves nothing behind."""
    beside_python = os.path.join(os.path.dirname(sys.executable), "moto_server")
    binary = shutil.which("moto_server") or beside_python
    if not os.path.exists(binary):
        missing("moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def s3_client(endpoint: str) -> Any:
    """A boto3 client of the test S3 server (moto takes any credentials)."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
