"""A small HTTP/1.1 load generator: N keep-alive connections, pre-encoded POSTs, counts by status.

Used for every intake figure of one run, so ours and the ceilings meet the same tool.
It is plain asyncio on raw sockets, so it costs far less CPU per request than an HTTP
client library would; on a 2-core machine it still competes with the servers it loads.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable


def request(host: str, port: int, path: str, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"{extra}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def run_per_connection(
    host: str,
    port: int,
    request_of: Callable[[int, int], bytes],
    *,
    connections: int,
    seconds: float,
    warmup: float = 1.0,
) -> tuple[float, Counter[int]]:
    """Like `run`, but connection c sends request_of(c, 0), request_of(c, 1), … (work that
    belongs to one client, such as steps on that client's own cases)."""
    statuses: Counter[int] = Counter()
    started = time.perf_counter()
    measure_from, stop = started + warmup, started + warmup + seconds
    counted = 0

    async def client(c: int) -> None:
        nonlocal counted
        reader, writer = await asyncio.open_connection(host, port)
        try:
            i = 0
            while (now := time.perf_counter()) < stop:
                status = await _one(reader, writer, request_of(c, i))
                i += 1
                if now >= measure_from:
                    statuses[status] += 1
                    counted += 200 <= status < 300
        finally:
            writer.close()

    await asyncio.gather(*(client(c) for c in range(connections)))
    return counted / seconds, statuses


async def run(
    host: str,
    port: int,
    requests: list[bytes],
    *,
    connections: int = 64,
    seconds: float = 6.0,
    warmup: float = 1.0,
) -> tuple[float, Counter[int]]:
    """Send `requests` (each at most once, whichever connection is free takes the next)
    for warmup + seconds. Returns (2xx per second in the measured part, statuses counted there)."""
    queue = iter(requests)

    def next_request(_connection: int, _i: int) -> bytes:
        raw = next(queue, None)
        if raw is None:
            raise RuntimeError("the load generator ran out of prepared requests")
        return raw

    return await run_per_connection(
        host, port, next_request, connections=connections, seconds=seconds, warmup=warmup
    )
