"""Optional traces: a span per request with the route template and status, and nothing that
could identify a respondent — even when the request carries an address, a user agent,
codes and its own trace context."""

from __future__ import annotations

import msgspec
import pytest
from litestar import Litestar
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.ops.tracing import tracer_for
from services.settings import Settings
from tests.support.access import World, settings, world

pytestmark = [pytest.mark.api, pytest.mark.ops]
__all__ = ["settings", "world"]
ALLOWED = {"http.request.method", "http.route", "http.response.status_code"}
INCOMING_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def spans(app: Litestar) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app.state.tracer = provider.get_tracer("test")
    return exporter


async def test_spans_carry_route_and_status_only(world: World, spans: InMemorySpanExporter) -> None:
    hostile = {
        "User-Agent": "Mozilla/5.0 (iPhone) TraceProbe",
        "X-Forwarded-For": "203.0.113.9",
        "traceparent": f"00-{INCOMING_TRACE}-00f067aa0ba902b7-01",
    }
    c = world.client
    r = await c.post(
        "/api/v1/cases",
        headers=hostile,
        json={"kind": "suggestion", "unit_id": world.units["A1"], "text": "追踪"},
    )
    code = r.json()["receipt_code"]
    await c.post("/api/v1/receipt", headers=hostile, json={"code": code})
    await c.get(f"/api/v1/units/{world.units['A']}", headers={**world.root, **hostile})
    finished = spans.get_finished_spans()
    names = {s.name for s in finished}
    assert {"POST /api/v1/cases", "POST /api/v1/receipt"} <= names
    assert any(n.startswith("GET /api/v1/units/{") for n in names), "templates, not concrete paths"
    for s in finished:
        assert set(s.attributes or {}) <= ALLOWED, s.attributes
        assert f"{s.context.trace_id:032x}" != INCOMING_TRACE and s.parent is None, "a new trace each time"
        text = repr(s.to_json())
        for secret in (code, "203.0.113.9", "TraceProbe", world.units["A"]):
            assert secret not in text
    assert {s.attributes["http.response.status_code"] for s in finished} >= {200, 201}


@pytest.mark.unit
def test_no_tracer_unless_an_endpoint_is_set() -> None:
    assert tracer_for(Settings()) is None
    tracer = tracer_for(msgspec.structs.replace(Settings(), otel_endpoint="http://127.0.0.1:1/v1/traces"))
    assert tracer is not None  # built without contacting the collector
