"""How the OpenAPI document describes signing in: a bearer API token or the session cookie
(writes with the cookie also need the X-CSRF-Token header). Which role each operation needs
is in its `opt`, enforced by guards.py."""

from __future__ import annotations

from litestar.openapi.spec import Components, SecurityRequirement, SecurityScheme

from services.access.guards import CSRF_HEADER, SESSION_COOKIE

COMPONENTS = Components(
    security_schemes={
        "api_token": SecurityScheme(
            type="http", scheme="bearer", description="An API token from POST /api/v1/auth/tokens"
        ),
        "session": SecurityScheme(
            type="apiKey",
            name=SESSION_COOKIE,
            security_scheme_in="cookie",
            description=f"From POST /api/v1/auth/sign-in; writes also send {CSRF_HEADER}",
        ),
    }
)
SECURITY: list[SecurityRequirement] = [{"api_token": []}, {"session": []}]
