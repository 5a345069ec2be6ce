"""Stations of one shared vault for the concurrency tests (issue 12): each station is a separate
OS process — the ``twin-studio`` command, or :func:`main` below for many small audited changes in
one process — with its own catalog and store connections and its own ``STUDIO_DATA_DIR`` (so its
station folder, staging and export intents are its own).

Processes are synchronised with the product's pause points (:mod:`studio.core.testpoints`) and
with files, never with sleeps: a test waits until every station has provably reached a point,
then releases them together.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import PASSPHRASE, REPO

# generous: a busy 2-core machine with several stations starting Python at once
WAIT_S = 300.0

STARTED: list[subprocess.Popen] = []  # every station process, for :func:`stop_stragglers`


def stop_stragglers() -> None:
    """Kill the station processes still running (a test that failed while they were paused)."""
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


@dataclass
class Run:
    """A station's command in flight."""
    station: "Station"
    args: tuple[str, ...]
    proc: subprocess.Popen
    pause: Path | None

    def reached(self, point: str) -> bool:
        return self.pause is not None and (self.pause / f"{point}.reached").exists()

    def wait_reached(self, point: str) -> None:
        """Until the process is provably paused at ``point``; fails if it ends first."""
        deadline = time.monotonic() + WAIT_S
        while not self.reached(point):
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                raise AssertionError(f"{self.station.name} {self.args} ended ({self.proc.returncode}) before "
                                     f"reaching {point}:\n{out}\n{err}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.station.name} {self.args} did not reach {point} in {WAIT_S:.0f} s")
            time.sleep(0.02)

    def release(self, point: str) -> None:
        (self.pause / f"{point}.go").touch()

    def finish(self) -> subprocess.CompletedProcess:
        out, err = self.proc.communicate(timeout=WAIT_S)
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)


@dataclass
class Station:
    """One station: ``location`` (tests.conftest.SharedLocation) reached from its own data folder."""
    name: str
    location: object
    base: Path
    extra_env: dict = field(default_factory=dict)
    endpoint: str | None = None  # another store endpoint than the location's (a store that is gone)
    _runs: int = 0

    def __post_init__(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        self.passphrase_file = self.base / "passphrase.txt"
        fd = os.open(self.passphrase_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never world-readable
        with os.fdopen(fd, "w") as f:
            f.write(PASSPHRASE + "\n")

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    def env(self, pause: str | None = None, folder: Path | None = None) -> dict[str, str]:
        env = {**self.location.environ(), "STUDIO_DATA_DIR": str(self.data_dir),
               "STUDIO_CONFIG_DIR": str(self.base / "config"), "STUDIO_CACHE_DIR": str(self.base / "cache"),
               # the writer lock is taken in turn by every station: wait for it rather than give up
               "STUDIO_LOCK_TIMEOUT": str(WAIT_S), **self.extra_env}
        env.pop("STUDIO_TEST_PAUSE_AT", None)
        env.pop("STUDIO_TEST_KILL_AT", None)
        if pause is not None:
            env["STUDIO_TEST_PAUSE_AT"] = f"{pause}={folder}"
        return env

    def vault_args(self) -> list[str]:
        loc = self.location
        return ["--catalog", loc.catalog, "--store", loc.store, "--store-endpoint", self.endpoint or loc.endpoint,
                "--passphrase-file", str(self.passphrase_file)]

    def start(self, *args: str, pause: str | None = None) -> Run:
        """``twin-studio ARGS`` on this station, paused at ``pause`` if given."""
        self._runs += 1
        folder = None
        if pause is not None:
            folder = self.base / f"pause-{self._runs}"
            folder.mkdir()
        cmd = [sys.executable, "-m", "studio.cli", *self.vault_args(), *args]
        proc = subprocess.Popen(cmd, cwd=REPO, env=self.env(pause, folder), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        STARTED.append(proc)
        return Run(self, args, proc, folder)

    def start_worker(self, *args: str, barrier: Path, pause: str | None = None) -> subprocess.Popen:
        """:func:`main` on this station: it opens the vault, says so (``<barrier>/<name>.ready``)
        and waits for ``<barrier>/go`` before it writes; paused at ``pause`` (in ``barrier``) if given."""
        loc = self.location
        env = {**self.env(pause, barrier), "STATION_NAME": self.name, "STATION_BARRIER": str(barrier),
               "STATION_CATALOG": loc.catalog, "STATION_STORE": loc.store,
               "STATION_ENDPOINT": self.endpoint or loc.endpoint}
        proc = subprocess.Popen([sys.executable, "-m", "tests.e2e.stations", *args], cwd=REPO, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        STARTED.append(proc)
        return proc


def wait_files(paths: list[Path], procs: list[subprocess.Popen]) -> None:
    """Until every path exists; fails if a process ends first."""
    deadline = time.monotonic() + WAIT_S
    while not all(p.exists() for p in paths):
        for proc in procs:
            if proc.poll() is not None:
                out, err = proc.communicate()
                raise AssertionError(f"{proc.args} ended ({proc.returncode}) before it was ready:\n{out}\n{err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not ready in {WAIT_S:.0f} s: {[p for p in paths if not p.exists()]}")
        time.sleep(0.02)


class Cut:
    """A TCP relay from a port of its own to a server's (a station's way to it), which the test can
    cut as a network would: :meth:`cut` closes every connection through it and the port itself,
    so the station's next request is refused while the server goes on serving everyone else."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._cut:
                    client.close()
                    upstream.close()
                    return
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(1 << 16):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            self._listener.close()
            for s in self._open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self._open.clear()


def main(argv: list[str]) -> int:
    """A station doing many small audited changes at once with the others: ``talents N`` adds N
    talents, each its own transaction and audit event. Prints the ids it added, one a line."""
    from studio.core.talents import add_talent
    from studio.core.vault.location import shared_location
    from studio.core.vault.opening import open_vault

    what, n = argv[0], int(argv[1])
    assert what == "talents", what
    name, barrier = os.environ["STATION_NAME"], Path(os.environ["STATION_BARRIER"])
    where = shared_location(os.environ["STATION_CATALOG"], os.environ["STATION_STORE"], os.environ["STATION_ENDPOINT"])
    with open_vault(where, PASSPHRASE) as vault:
        with vault.session() as s:  # its connection is open before the others are released
            s.connection()
        (barrier / f"{name}.ready").touch()
        deadline = time.monotonic() + WAIT_S
        while not (barrier / "go").exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"{name}: never released")
            time.sleep(0.01)
        for i in range(n):
            print(add_talent(vault, f"{name} talent {i}").id, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
