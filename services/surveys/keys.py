"""Everything the surveys slice derives from the service secret.

* Invitation codes are derived (HMAC) from the secret, the survey, cycle, unit, issue and a
  counter, so the printable sheet can be produced again without the plain codes ever being
  stored; the database keeps only a second, different HMAC of each code.
* Submission ids are kept as HMACs too: a retry is recognised, the id itself is not stored.
* Answers wait in the pool sealed with AES-GCM under a key derived from the secret.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CODE_ALPHABET_LEN = 16  # base32 characters: 80 bits, far beyond guessing under a rate limit


def _mac(secret: bytes, *parts: str) -> bytes:
    mac = _keyed(secret).copy()  # the key schedule done once per secret, not per answer
    mac.update("|".join(parts).encode())
    return mac.digest()


@functools.lru_cache(maxsize=8)
def _keyed(secret: bytes) -> hmac.HMAC:
    return hmac.new(secret, digestmod=hashlib.sha256)


def invitation_code(secret: bytes, survey_id: str, cycle: int, unit_id: str, issue_id: str, n: int) -> str:
    raw = _mac(secret, "invite", survey_id, str(cycle), unit_id, issue_id, str(n))
    text = base64.b32encode(raw).decode()[:CODE_ALPHABET_LEN]
    return "-".join(text[i : i + 4] for i in range(0, CODE_ALPHABET_LEN, 4))


def normalise_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def code_hash(secret: bytes, code: str) -> bytes:
    return _mac(secret, "code-hash", normalise_code(code))


def submission_hash(secret: bytes, survey_id: str, submission_id: str) -> bytes:
    return _mac(secret, "submission", survey_id, submission_id)


@functools.lru_cache(maxsize=8)
def _pool_key(secret: bytes) -> AESGCM:
    return AESGCM(_mac(secret, "survey-pool-seal"))


def seal(secret: bytes, plain: bytes, size: int = 0) -> bytes:
    """Encrypt `plain` padded with JSON whitespace to `size` bytes (at least).

    Padding matters: a sealed row's length would otherwise match the released answer's
    length, and a dead pool tuple (which keeps its arrival transaction's xmin until VACUUM)
    could be paired with its plain answer by size alone. Every answer of one published
    version seals to the same length.
    """
    nonce = os.urandom(12)
    return nonce + _pool_key(secret).encrypt(nonce, plain.ljust(size, b" "), b"survey-pool")


def unseal(secret: bytes, sealed: bytes) -> bytes:
    return _pool_key(secret).decrypt(sealed[:12], sealed[12:], b"survey-pool")
