"""Receipt codes: 20 Crockford base32 characters (100 bits), shown once, kept only as an HMAC.

The HMAC key is the service secret, which lives outside the database: a copy of the
database alone cannot test guesses offline. Typed codes are forgiving the Crockford way
(case, dashes, spaces, I/L for 1 and O for 0).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from events.store.db import Db, Queryable

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 20
_FORGIVE = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(typed: str) -> str | None:
    code = typed.upper().translate(_FORGIVE)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def mac(secret: bytes, code: str) -> bytes:
    return hmac.new(secret, b"receipt|" + code.encode(), hashlib.sha256).digest()


async def remember(conn: Db, secret: bytes, code: str, case_id: str) -> None:
    normal = normalise(code)
    assert normal is not None
    await conn.execute(
        "INSERT INTO case_receipts (code_mac, case_id) VALUES ($1, $2)", mac(secret, normal), case_id
    )


async def case_for(conn: Queryable, secret: bytes, typed: str) -> str | None:
    """The case a typed code opens, or None — the same None for malformed, wrong and unknown."""
    code = normalise(typed)
    if code is None:
        return None
    found = await conn.fetchval("SELECT case_id FROM case_receipts WHERE code_mac = $1", mac(secret, code))
    return None if found is None else str(found)
