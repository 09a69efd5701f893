"""The catalogue: every event type by its stored name, and the upcasters between versions.

Decoding is by type name rather than through one big tagged union so that each slice's
module only has to define its Structs; the registry is filled as the modules are imported
(`load_all()` imports every family).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from events.base import Event

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

_types: dict[str, type[Event]] = {}
_decoders: dict[str, msgspec.json.Decoder[Any]] = {}
_upcasters: dict[tuple[str, int], Upcaster] = {}
_encoder = msgspec.json.Encoder()

FAMILIES = ("events.units", "events.accounts", "events.cases", "events.surveys", "events.answers")


class UnknownEventType(LookupError):
    pass


def register(cls: type[Event]) -> None:
    name = cls.__name__
    known = _types.get(name)
    if known is not None and known.__module__ != cls.__module__:
        raise ValueError(f"event type {name} defined twice ({known.__module__}, {cls.__module__})")
    _types[name] = cls
    _decoders.pop(name, None)  # built on first use: the class is not complete yet here


def upcaster(type_name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function turning a body of `from_version` into `from_version + 1`."""

    def wrap(fn: Upcaster) -> Upcaster:
        _upcasters[(type_name, from_version)] = fn
        return fn

    return wrap


def load_all() -> None:
    import importlib

    for module in FAMILIES:
        importlib.import_module(module)


def event_class(type_name: str) -> type[Event]:
    try:
        return _types[type_name]
    except KeyError:
        raise UnknownEventType(type_name) from None


def encode(event: Event) -> bytes:
    return _encoder.encode(event)


def decode(type_name: str, schema_version: int, body: bytes | str) -> Event:
    decoder = _decoders.get(type_name)  # the fast path of a replay: one lookup, one decode
    if decoder is not None and schema_version == decoder.type.schema_version:
        return decoder.decode(body)  # type: ignore[no-any-return]
    cls = event_class(type_name)
    if schema_version == cls.schema_version:
        decoder = _decoders[type_name] = msgspec.json.Decoder(cls)
        return decoder.decode(body)  # type: ignore[no-any-return]
    data: dict[str, Any] = msgspec.json.decode(body)
    for version in range(schema_version, cls.schema_version):
        try:
            data = _upcasters[(type_name, version)](data)
        except KeyError:
            raise UnknownEventType(f"{type_name} v{version} has no upcaster") from None
    return msgspec.convert(data, cls)
