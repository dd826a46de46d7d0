"""Rendering a page: one Jinja2 environment, the request's language, Dutch formats, and the base layout's context.

Templates are autoescaped. Messages go through `_()` (Dutch source text, `%(name)s` placeholders), so the Babel
extractor finds them (`make messages`).
"""

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from service.web import formatting, i18n
from service.web.rules import RULE_LABELS, RULE_WITHOUT

TEMPLATE_DIR = Path(__file__).parent / "templates"
# Every page: its own scripts, styles and images only (no inline script or style), forms post to this site only.
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
               "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)


Gettext = Callable[..., str]


@pass_context
def _translated(context: Context, items: Iterable[tuple[Any, str]]) -> list[tuple[str, str]]:
    """`(code, N_("label"))` pairs as `(code, label in the page's language)`, for selects and radios."""
    _ = context["_"]
    return [(str(code), _(label)) for code, label in items]


def _pairs(values: Iterable[Any]) -> list[tuple[str, str]]:
    """Each value as its own label (codes that need no translation, such as U16)."""
    return [(str(v), str(v)) for v in values]


environment.filters["translated"] = _translated
environment.filters["pairs"] = _pairs
# The rule words (service/web/rules.py), the same on every screen: `_(rule_labels[code])`.
environment.globals.update(rule_labels=RULE_LABELS, rule_without=RULE_WITHOUT)


def gettext_for(language: str) -> Gettext:
    """`_("Woning %(adres)s", adres=...)` in `language`; the arguments are escaped, the message is trusted."""
    catalogue = i18n.translations(language)

    def _(message: str, **values: Any) -> str:
        text = catalogue.gettext(message)
        if not values:
            return Markup(text)
        return Markup(text) % {k: escape(v) if isinstance(v, str) else v for k, v in values.items()}

    return _


def ngettext_for(language: str) -> Callable[..., str]:
    """`ngettext("%(num)d woning", "%(num)d woningen", n)`: the plural form `n` needs."""
    catalogue = i18n.translations(language)

    def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
        return Markup(catalogue.ngettext(singular, plural, n)) % {"num": n, **values}

    return ngettext


def filters_for(language: str) -> dict[str, Callable[..., str]]:
    """The formatting helpers templates use: `date`, `datetime`, `money`, `number`."""
    return {
        "date": lambda value: formatting.local_date(value, language),
        "datetime": lambda value: formatting.local_datetime(value, language),
        "money": lambda value: formatting.money(value, language),
        "number": lambda value, digits=0: formatting.number(value, language, digits=digits),
    }


def render(request: Request, template: str, context: Mapping[str, Any], *, language: str,
           status_code: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """Render `template` in `language` with `context` (the layout's context included by the caller)."""
    _ = gettext_for(language)
    html = environment.get_template(template).render(
        {**context, "request": request, "language": language, "_": _, "gettext": _,
         "ngettext": ngettext_for(language), "fmt": filters_for(language), "languages": i18n.OFFERED})
    every_page = {"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-store"}
    return HTMLResponse(html, status_code=status_code, headers={**(headers or {}), **every_page})
