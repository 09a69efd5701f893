"""Event encoding, decoding and upcasting, without a database."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import msgspec
import pytest

from events import catalogue
from events.base import Checkpoint, Event, pending

pytestmark = pytest.mark.unit


class Greeted(Event, frozen=True):
    schema_version: ClassVar[int] = 3
    who: str
    language: str


@catalogue.upcaster("Greeted", 1)
def _greeted_v1(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "who": data.pop("name")}


@catalogue.upcaster("Greeted", 2)
def _greeted_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "language": "zh"}


def test_encode_carries_the_type_tag_and_decodes_back() -> None:
    body = catalogue.encode(Greeted(who="王", language="zh"))
    assert msgspec.json.decode(body)["type"] == "Greeted"
    assert catalogue.decode("Greeted", 3, body) == Greeted(who="王", language="zh")


def test_decode_of_an_old_version_runs_every_upcaster_in_turn() -> None:
    old = b'{"type": "Greeted", "name": "\\u674e"}'
    assert catalogue.decode("Greeted", 1, old) == Greeted(who="李", language="zh")


def test_decode_of_an_unknown_type_fails_clearly() -> None:
    with pytest.raises(catalogue.UnknownEventType):
        catalogue.decode("NoSuchEvent", 1, b"{}")


def test_decode_rejects_a_body_of_the_wrong_shape() -> None:
    with pytest.raises(msgspec.ValidationError):
        catalogue.decode("Greeted", 3, b'{"type": "Greeted", "who": 5, "language": "zh"}')


def test_pending_derives_the_same_event_ids_from_the_same_command_id() -> None:
    command = uuid.uuid4()
    a = pending([Greeted(who="a", language="zh")], command_id=command, actor="acct-1")
    b = pending([Greeted(who="a", language="zh")], command_id=command, actor="acct-1")
    assert [p.event_id for p in a] == [p.event_id for p in b]
    assert a[0].metadata.correlation_id == command and a[0].metadata.actor == "acct-1"
    other = pending([Greeted(who="a", language="zh")], command_id=uuid.uuid4())
    assert other[0].event_id != a[0].event_id


def test_checkpoints_order_by_era_then_transaction_then_position() -> None:
    assert Checkpoint(0, 9, 100) < Checkpoint(1, 1, 1)
    assert Checkpoint(0, 5, 100) < Checkpoint(0, 6, 1)
    assert Checkpoint(0, 5, 1) < Checkpoint(0, 5, 2)
    assert str(Checkpoint(1, 2, 3)) == "1.2.3"
