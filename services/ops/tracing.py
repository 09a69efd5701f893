"""Optional OpenTelemetry traces: one server span per request, sent over OTLP/HTTP when
QS_OTEL_ENDPOINT is set (nothing is loaded or sent otherwise).

A span carries the method, the route *template*, the status and the duration — nothing
else. Not the client's address, not the user agent, not the concrete path or query, no
header and no body: the stock ASGI instrumentation records the first two, which is why it
is not used. An incoming `traceparent` is ignored and every request starts a new trace: a
respondent's browser could otherwise send one identifier with the form it loads and the
answer it posts, and the tracing backend would hold the link the mixing pool exists to
break. Database calls are not traced.
"""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from services.ops.metrics import refusal_status
from services.settings import Settings


def tracer_for(settings: Settings) -> Any:
    """A tracer exporting to QS_OTEL_ENDPOINT, or None when tracing is off."""
    if not settings.otel_endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": settings.otel_service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otel_endpoint)))
    return provider.get_tracer("qunsheng")


def tracing_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        tracer = getattr(scope["app"].state, "tracer", None)
        if tracer is None or scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        from opentelemetry import context, trace

        method = scope.get("method", "-")
        route = scope.get("path_template") or "unmatched"
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        # context.Context(): an empty parent, whatever the request's headers say.
        with tracer.start_as_current_span(
            f"{method} {route}",
            context=context.Context(),
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": method, "http.route": route},
        ) as span:
            try:
                await app(scope, receive, sending)
            except Exception as exc:
                status[0] = refusal_status(exc)  # a refusal raised by the access check
                raise
            finally:
                span.set_attribute("http.response.status_code", status[0])
                if status[0] >= 500:
                    span.set_status(trace.Status(trace.StatusCode.ERROR))

    return middleware
