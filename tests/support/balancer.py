"""A tiny round-robin TCP load balancer for the scale-out tests, on loopback only.

Connection-level round robin, like a layer-4 balancer (HAProxy `mode tcp`): each client
connection goes to the next backend that accepts it; a backend that refuses (killed) is
skipped, and connections it held break, as they would in production. The upstream
connection is made *from the client's own loopback address* (127.0.0.x binds without any
setup on Linux), so the API still sees one address per simulated client and its per-client
limits stay per client, as they do behind a proxy that forwards the address.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket


class Balancer:
    def __init__(self, backends: list[tuple[str, int]], host: str = "127.0.0.1") -> None:
        self.backends = list(backends)
        self.host = host
        self.port = 0
        self._turn = itertools.count()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.refused = 0  # connections a dead backend refused (then retried elsewhere)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            peer = writer.get_extra_info("peername")[0]
            upstream = await self._connect(peer)
            if upstream is None:
                return
            up_reader, up_writer = upstream
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _connect(self, peer: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        local = (peer, 0) if peer.startswith("127.") else None
        for _ in range(len(self.backends)):
            host, port = self.backends[next(self._turn) % len(self.backends)]
            try:
                return await asyncio.wait_for(asyncio.open_connection(host, port, local_addr=local), 2)
            except (OSError, TimeoutError):
                self.refused += 1
        return None


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()
        with contextlib.suppress(Exception):
            writer.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
