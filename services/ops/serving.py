"""Run an ASGI app under uvicorn, with several worker processes sharing one socket.

Why not `uvicorn.run(workers=N)` as is: with N > 1, uvicorn binds the listening socket
itself as `socket.socket(family)` — protocol 0 — and hands it to the workers. asyncio sets
TCP_NODELAY on accepted connections only when the listening socket says IPPROTO_TCP, so
every connection keeps Nagle's algorithm on: on a keep-alive connection each response after
the first waits for the client's delayed ACK, about 40 ms (measured: 44 ms per request with
two workers against 0.4 ms with one). Load balancers and benchmark clients keep
connections alive, so this caps a process at connections ÷ 44 ms. Binding the socket here
with IPPROTO_TCP gives the workers' connections TCP_NODELAY again.

`python -m services.ops.serving MODULE:FACTORY --port P [--workers N]` serves any app
factory this way (the benchmarks start their bare ceilings with it, so both sides of a
comparison run alike).
"""

from __future__ import annotations

import argparse
import socket
from typing import Any

import uvicorn


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def serve(app: str, *, host: str, port: int, workers: int = 1, **options: Any) -> None:
    """uvicorn.run for a factory import string; several workers share a TCP_NODELAY socket."""
    if workers <= 1:
        uvicorn.run(app, factory=True, host=host, port=port, **options)
        return
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(app, factory=True, host=host, port=port, workers=workers, **options)
    Multiprocess(config, sockets=[listening_socket(host, port)]).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app", help="MODULE:FACTORY")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serve(
        args.app, host=args.host, port=args.port, workers=args.workers, access_log=False, log_level="warning"
    )


if __name__ == "__main__":
    main()
