"""Structured JSON logs never carry an address, a code, a contact or a user agent: requests
carrying all of them go through the real app, and the captured output is scanned."""

from __future__ import annotations

import io
import json
import logging

import pytest

from services.ops.logs import JsonFormatter, redact
from tests.support.access import World, settings, world

pytestmark = [pytest.mark.api, pytest.mark.ops]
__all__ = ["settings", "world"]

CONTACT = "zhang.san@example.cn 13812345678"
ADDRESS = "203.0.113.77"
AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148 QunshengProbe"


async def _submit(world: World, text: str, contact: str) -> dict[str, str]:
    body = {"kind": "suggestion", "unit_id": world.units["A1"], "text": text, "contact": contact}
    r = await world.client.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture
def captured() -> io.StringIO:
    """Everything logged while the test runs, at DEBUG, through the service's JSON formatter."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out  # type: ignore[misc]
    root.removeHandler(handler)
    root.setLevel(old)


async def test_logs_never_carry_addresses_codes_contacts_or_agents(
    world: World, captured: io.StringIO
) -> None:
    hostile = {"User-Agent": AGENT, "X-Forwarded-For": ADDRESS, "X-Real-IP": ADDRESS}
    c = world.client
    named = await _submit(world, "工资拖欠", contact=CONTACT)
    code = named["receipt_code"]
    assert (await c.post("/api/v1/receipt", json={"code": code}, headers=hostile)).status_code == 200
    wrong = "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    assert (await c.post("/api/v1/receipt", json={"code": wrong}, headers=hostile)).status_code == 404
    await c.post(
        "/api/v1/receipt", content=b'{"code": "' + code.encode() + b'"', headers=hostile
    )  # malformed
    await c.post(
        "/api/v1/public/surveys/nope/answers",
        headers=hostile,
        json={"submission_id": "abcdefgh1234", "answers": {}, "code": "INVT-CODE-0000-1111"},
    )
    await c.post(
        "/api/v1/auth/sign-in", json={"login": "root", "password": "wrong " + CONTACT}, headers=hostile
    )
    # Our code and libraries may still log something one day: the formatter is the last line.
    logging.getLogger("qunsheng.test").warning(
        "from %s agent %s code %s contact %s", ADDRESS, AGENT, code, CONTACT
    )
    try:
        raise ValueError(f"bad code {code} from {ADDRESS}")
    except ValueError:
        logging.getLogger("qunsheng.test").exception("failed for %s", ADDRESS)
    lines = [json.loads(line) for line in captured.getvalue().splitlines() if line.strip()]
    assert lines, "the test must have produced log records"
    text = captured.getvalue()
    for secret in (
        ADDRESS,
        "13812345678",
        "zhang.san@example.cn",
        code,
        code.replace("-", ""),
        wrong,
        "QunshengProbe",
        "iPhone OS",
        "INVT-CODE-0000-1111",
        "testclient",
    ):
        assert secret not in text, f"{secret!r} reached the logs"
    assert all({"time", "level", "logger", "message"} <= set(e) for e in lines)


@pytest.mark.unit
def test_redact_keeps_ids_and_times() -> None:
    line = "case 12345678-1234-1234-1234-123456789abc at 07:44:32 moved; applied 0001_store"
    assert redact(line) == line
    assert redact("from ::1 and fe80::1 and 2001:db8::7") == "from [redacted] and [redacted] and [redacted]"
