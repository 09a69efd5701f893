"""Start a server process for an HTTP benchmark and wait until it answers."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx

from bench.harness import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(factory: str, env: dict[str, str], ready_path: str, workers: int = 1) -> Iterator[str]:
    port = free_port()
    # services.ops.serving keeps TCP_NODELAY with several workers (uvicorn's own does not).
    cmd = [
        sys.executable,
        "-m",
        "services.ops.serving",
        factory,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + ready_path, timeout=1).status_code < 500:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"{factory} did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
