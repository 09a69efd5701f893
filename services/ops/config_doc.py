"""docs/configuration.md, generated from `Settings` so it cannot drift.

`python -m services.ops.config_doc > docs/configuration.md` writes it; a test fails when a
setting has no description here or the file differs from what this prints.
"""

from __future__ import annotations

import msgspec

from services.settings import _ENV, _JSON, Settings

DESCRIPTIONS = {
    "database_url": "PostgreSQL URL (`postgresql://user:pass@host:5432/db`). Unset: an embedded server "
    "starts under `QS_DATA_DIR` (a laptop; never in production).",
    "redis_url": "Redis URL (`redis://host:6379/0`). Unset: an embedded Redis under `QS_DATA_DIR`. "
    "Redis holds rate-limit counters and caches only; losing it loses nothing.",
    "data_dir": "Folder of the embedded servers. Unused when both URLs are set.",
    "host": "Address `qunsheng serve` listens on. `0.0.0.0` in a container.",
    "port": "Port `qunsheng serve` listens on.",
    "run_projectors": "Run the projection runner inside the web process. `false` when projectors run "
    "as `qunsheng project` (compose, Kubernetes): API replicas then stay stateless.",
    "run_scheduler": "Run the case scheduler (due soon, overdue, escalation, auto-close). Safe on every "
    "replica: one owns it at a time (advisory lock), and its commands have derived ids, so a "
    "second scheduler, a restart or a retry never doubles a step.",
    "scheduler_seconds": "Seconds between scheduler passes.",
    "webhooks": "JSON list of `{url, format, unit_id}`: case notifications to plain JSON, 企业微信 "
    "(`wecom`) or 钉钉 (`dingtalk`) robots, optionally for one unit's subtree.",
    "webhook_seconds": "Seconds between webhook delivery passes (failed deliveries back off).",
    "max_body_bytes": "Largest request body accepted (413 beyond).",
    "poll_seconds": "How often a projection runner polls when no NOTIFY woke it; also the runner's "
    "health-check period.",
    "pool_min": "PostgreSQL connections each process keeps open.",
    "pool_max": "PostgreSQL connections each process may open. Replicas × pool_max + runners × 4 "
    "must stay under the server's `max_connections` (or put PgBouncer in between).",
    "secret_key": "The service secret: HMAC key of receipt codes, invitation codes, submission ids and "
    "rate-limit pseudonyms. **Required in production, identical on every replica, kept outside "
    "the database** (a database copy alone then cannot test guessed codes). Unset: generated "
    "once and stored in the database (a laptop).",
    "demo_on_first_start": "Load the demo bureau into an empty store at start (`make run` sets it).",
    "session_hours": "A browser session lasts this long after sign-in.",
    "secure_cookies": "Mark cookies `Secure`. Set `true` behind TLS (it is automatic on https requests).",
    "log_format": "`json`: one object per line (time, level, logger, message), redacted of "
    "addresses, codes, contacts and user agents; `text` for a terminal.",
    "log_level": "`DEBUG`, `INFO`, `WARNING`, `ERROR`.",
    "metrics_token": "If set, `GET /metrics` needs `Authorization: Bearer <token>`. Unset: /metrics "
    "is public (counts and latencies only); keep it off the public ingress either way.",
    "trusted_proxies": "Comma-separated addresses (or `*`) of proxies whose `X-Forwarded-For` and "
    "`X-Forwarded-Proto` are believed. Set it to the reverse proxy's address: otherwise every "
    "client shares the proxy's address and per-client limits act as one global limit; never "
    "`*` when clients can reach the service directly (they could then pick their address).",
    "otel_endpoint": "OTLP/HTTP endpoint for OpenTelemetry traces (`http://collector:4318/v1/traces`). "
    "Unset: no tracing. Spans carry method, route template, status and duration only; no "
    "address, user agent, path, query or incoming trace context (services/ops/tracing.py).",
    "otel_service_name": "`service.name` of the traces.",
}

HEADER = """# Configuration reference

Generated from `services/settings.py` by `python -m services.ops.config_doc`; a test keeps
the two equal. Every setting is an environment variable: `QS_` + the field name in capitals,
except the two URLs. Booleans: `true`/`false`; JSON settings: a JSON value.

| variable | default | meaning |
|---|---|---|
"""

FOOTER = """
## Elsewhere

* Tests and benchmarks read `DATABASE_URL` and `REDIS_URL` the same way (CI:
  `postgresql://postgres@127.0.0.1:5432/test`, `redis://127.0.0.1:6379/0`), and
  `QS_BENCH_*` sizes (see `bench/`).
* `qunsheng serve --workers N` runs N processes in one container; in Kubernetes prefer one
  worker per pod and let the HorizontalPodAutoscaler add pods.
* Secrets (`DATABASE_URL` with its password, `QS_SECRET_KEY`, `QS_METRICS_TOKEN`) come from a
  Secret (`deploy/k8s/secret.example.yaml`) or the compose environment, never from images.
"""


def variable(name: str) -> str:
    return _ENV.get(name, "QS_" + name.upper())


def _default(field: msgspec.structs.FieldInfo) -> str:
    value = field.default
    if value is msgspec.NODEFAULT:
        value = field.default_factory()
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if field.name in _JSON:
        return f"`{msgspec.json.encode(value).decode()}`"
    return f"`{value}`"


def render() -> str:
    rows = []
    for field in msgspec.structs.fields(Settings):
        text = DESCRIPTIONS[field.name]  # KeyError: describe the new setting above
        rows.append(f"| `{variable(field.name)}` | {_default(field)} | {text} |")
    return HEADER + "\n".join(rows) + "\n" + FOOTER


if __name__ == "__main__":
    print(render(), end="")
