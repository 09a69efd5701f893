"""A named requester's contact details, sealed with a per-case key kept outside the events.

AES-GCM from `cryptography` (never hand-made crypto). The key sits in `case_keys`; the
ciphertext travels in CaseSubmitted. Erasing a requester = destroying the key: the events
stay as they were, every figure stays, and the contact reads "[erased]".
"""

from __future__ import annotations

import base64
import os
from datetime import datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.store.db import Db, Queryable

ERASED = "[erased]"


def seal(contact: str) -> tuple[bytes, str]:
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(key).encrypt(nonce, contact.encode(), None)
    return key, base64.b64encode(sealed).decode()


def unseal(key: bytes | None, sealed: str) -> str:
    if key is None:
        return ERASED
    raw = base64.b64decode(sealed)
    return AESGCM(key).decrypt(raw[:12], raw[12:], None).decode()


async def store_key(conn: Db, case_id: str, key: bytes) -> None:
    await conn.execute("INSERT INTO case_keys (case_id, key) VALUES ($1, $2)", case_id, key)


async def contact(conn: Queryable, case_id: str, sealed: str | None) -> str | None:
    if sealed is None:
        return None
    key = await conn.fetchval("SELECT key FROM case_keys WHERE case_id = $1", case_id)
    return unseal(key, sealed)


async def erase(conn: Queryable, case_id: str, now: datetime) -> bool:
    status = await conn.execute(
        "UPDATE case_keys SET key = NULL, destroyed_at = $2 WHERE case_id = $1 AND key IS NOT NULL",
        case_id,
        now,
    )
    return status == "UPDATE 1"
