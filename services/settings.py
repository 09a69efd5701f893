"""Typed settings from environment variables (prefix QS_, plus DATABASE_URL and REDIS_URL)."""

from __future__ import annotations

import os
from typing import Literal

import msgspec


class WebhookTarget(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where case notifications are posted: plain JSON, or a 企业微信 / 钉钉 group robot."""

    url: str
    format: Literal["json", "wecom", "dingtalk"] = "json"
    unit_id: str | None = None  # only notifications of this unit's subtree; None = all


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str | None = None  # None: start an embedded PostgreSQL under data_dir
    redis_url: str | None = None  # None: start an embedded Redis under data_dir
    data_dir: str = ".qunsheng"
    host: str = "127.0.0.1"
    port: int = 8000
    run_projectors: bool = True  # run the projection runner inside the web process
    run_scheduler: bool = True  # run the case scheduler (due soon, overdue, escalation) too
    scheduler_seconds: float = 30.0
    webhooks: list[WebhookTarget] = []  # QS_WEBHOOKS: a JSON list of {url, format, unit_id}
    webhook_seconds: float = 2.0
    max_body_bytes: int = 1024 * 1024
    poll_seconds: float = 1.0
    pool_min: int = 2
    pool_max: int = 10
    secret_key: str | None = None  # HMAC key for receipt codes and rate-limit keys
    demo_on_first_start: bool = False
    session_hours: float = 12.0  # a browser session lasts this long after sign-in
    secure_cookies: bool = False  # true behind TLS (also automatic on https requests)
    # Operations (docs/configuration.md describes every setting; a test keeps it complete).
    log_format: str = "json"  # "json" (one redacted object per line) or "text"
    log_level: str = "INFO"
    metrics_token: str | None = None  # if set, GET /metrics needs "Authorization: Bearer <token>"
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated
    # addresses or "*"). Behind a load balancer set it to the balancer's address, or every
    # client shares the balancer's address and per-client limits become global ones.
    trusted_proxies: str = "127.0.0.1"
    otel_endpoint: str | None = None  # OTLP/HTTP traces, e.g. http://collector:4318/v1/traces
    otel_service_name: str = "qunsheng"


_JSON = {"webhooks"}  # fields given as JSON in their variable
_ENV = {
    "database_url": "DATABASE_URL",
    "redis_url": "REDIS_URL",
}


def from_env(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    env = dict(os.environ if environ is None else environ)
    raw: dict[str, object] = {}
    for field in msgspec.structs.fields(Settings):
        key = _ENV.get(field.name, "QS_" + field.name.upper())
        if env.get(key):
            raw[field.name] = msgspec.json.decode(env[key]) if field.name in _JSON else env[key]
    raw.update(overrides)
    # strict=False lets "8000" become 8000 and "true" become True, and nothing looser.
    return msgspec.convert(raw, Settings, strict=False)
