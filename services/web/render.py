"""Rendering a page: the template, the visitor's language, the CSRF token, the menu.

Templates autoescape (Jinja, select_autoescape for .html): every value a person typed is
shown as text, never as markup.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from services.access.guards import Principal
from services.access.keys import csrf_token, service_secret
from services.cases.calendar import TZ
from services.web import i18n, labels
from services.web.forms import anonymous_token

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg"], default_for_string=True),
    undefined=StrictUndefined,  # a misspelt variable fails the test, not the visitor
    trim_blocks=True,
    lstrip_blocks=True,
)


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(ENV))


def lang_of(request: Request[Any, Any, Any]) -> str:
    return i18n.pick(request.cookies.get(i18n.COOKIE))


def principal_of(request: Request[Any, Any, Any]) -> Principal | None:
    return getattr(request.state, "principal", None)


async def page(
    request: Request[Any, Any, Any],
    name: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    base = base_context(request, await service_secret(request.app.state))
    return Template(template_name=name, context=base | context, status_code=status, headers=headers or {})


def base_context(request: Request[Any, Any, Any], secret: bytes | None) -> dict[str, Any]:
    """What every template sees: language, translator, CSRF token, who is signed in."""
    lang = lang_of(request)
    who = principal_of(request)
    csrf = ""
    if secret is not None and who is not None and who.session_token is not None:
        csrf = csrf_token(secret, who.session_token)
    elif secret is not None:
        csrf = anonymous_token(secret, request.app.state.clock.now())
    return {
        "_": i18n.gettext_for(lang),
        "lang": lang,
        "html_lang": i18n.HTML_LANG[lang],
        "here": request.url.path,
        "csrf": csrf,
        "who": who,
        "roles": {role for _, role in who.grants} if who else set(),
        "when": when,
        "uuid": uuid.uuid4,  # a command id per form: a resubmitted form acts once
        "tx": lambda text: text.en if lang == "en" and text.en else text.zh,  # a survey's own Text
        **labels.ALL,
    }


def when(moment: datetime, short: bool = False) -> str:
    """A time as people at the school read it: Beijing time (Asia/Shanghai)."""
    return moment.astimezone(TZ).strftime("%m-%d %H:%M" if short else "%Y-%m-%d %H:%M")


def render_now(request: Request[Any, Any, Any], name: str, status: int, **context: Any) -> Response[str]:
    """Render synchronously (exception handlers are synchronous in Litestar)."""
    secret = getattr(request.app.state, "service_secret", None)
    html = ENV.get_template(name).render(base_context(request, secret) | context)
    return Response(
        html, status_code=status, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"}
    )
