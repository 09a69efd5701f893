"""A JSON answer already encoded, sent as a bare ASGI response.

Litestar passes an ASGI callable a handler returns through as it is. Why not
`Response(value)` on the hottest routes (an anonymous answer, a case step): building
Litestar's Response and then its ASGIResponse (header normalisation, serialiser lookup,
content-type defaults) measured about a tenth of the whole request. The app-wide hooks
still apply: the security headers (before_send) and the latency metric wrap `send`. The
route declares the value's type in `responses=` so the OpenAPI document still shows it.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.types import Receive, Scope, Send

_encoder = msgspec.json.Encoder()
JSON = b"application/json"
_NO_STORE = (b"cache-control", b"no-store")


class EncodedJson:
    def __init__(
        self,
        value: Any,
        status: int = 200,
        headers: tuple[tuple[bytes, bytes], ...] = (),
        content_type: bytes = JSON,
    ) -> None:
        self.body = _encoder.encode(value)
        self.status = status
        self.headers = headers
        self.content_type = content_type

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = (b"content-length", str(len(self.body)).encode())
        headers = [(b"content-type", self.content_type), _NO_STORE, *self.headers, length]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})
