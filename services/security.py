"""Security headers on every response, pages, API answers and errors (404s included).

Installed as a `before_send` hook, not a route middleware: route middleware never sees a
request that matched no route, and a 404 page must carry the same headers.

* Content-Security-Policy: only our own origin; no inline script; nobody may frame us
  (`frame-ancestors 'none'`: a survey form inside a hostile frame could be clickjacked).
  The OpenAPI viewers under /api/schema load their scripts from a CDN and need inline
  code, so they get a looser policy of their own.
* X-Content-Type-Options: nosniff; Referrer-Policy: no-referrer (a survey link or a
  receipt page must not leak to other sites); X-Frame-Options for old browsers.
* Strict-Transport-Security only when the request came over TLS (directly, or through a
  trusted proxy's X-Forwarded-Proto, which uvicorn maps to the scheme): sending it over
  plain HTTP is meaningless, and on a laptop it would pin localhost to HTTPS.
"""

from __future__ import annotations

from litestar.types import Message, Scope

# Inline styles are allowed (the printable QR sheet carries its own <style>); they cannot
# run code, and with images, fonts and connections limited to our origin CSS has no way
# to send anything elsewhere. Scripts stay 'self' only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://unpkg.com; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://unpkg.com "
    "https://fonts.googleapis.com; "
    "img-src 'self' data: https:; font-src 'self' https:; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
_FIXED = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


_PAGES = [*_FIXED, (b"content-security-policy", CSP.encode())]
_DOCS = [*_FIXED, (b"content-security-policy", DOCS_CSP.encode())]
_TLS = [(b"strict-transport-security", HSTS.encode())]


async def security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers") or [])
    present = {name.lower() for name, _ in headers}
    wanted = headers_for(scope)
    # A handler that set its own value (a stricter Referrer-Policy, say) keeps it.
    headers.extend(pair for pair in wanted if pair[0] not in present)
    message["headers"] = headers


def headers_for(scope: Scope) -> list[tuple[bytes, bytes]]:
    """The security headers a response to this request carries (for code that answers
    outside Litestar's before_send hooks too: the intake's front door)."""
    wanted = _DOCS if scope.get("path", "").startswith("/api/schema") else _PAGES
    return wanted + _TLS if scope.get("scheme") == "https" else wanted
