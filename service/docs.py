"""The interactive API documentation (/docs, /redoc), each page with a Content-Security-Policy that fits it.

FastAPI's pages load Swagger UI and ReDoc from the jsDelivr CDN and Swagger UI starts with an inline script; the
policy names that CDN and the script's hash, and nothing else may run. `DOORSTROOM_API_DOCS=false` switches these
pages and /openapi.json off.
"""

import base64
import hashlib
import re

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

CDN = "https://cdn.jsdelivr.net"
FAVICON = "https://fastapi.tiangolo.com"
# Every other HTML answer (there are none today but error pages a proxy might render) may load nothing at all.
STRICT_HTML_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_policy(html: str) -> str:
    """The policy of a documentation page: its CDN scripts and styles, its own inline scripts by hash, the spec."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                      for s in _INLINE_SCRIPT.findall(html))
    # Swagger UI and ReDoc set styles from script (ReDoc injects <style> elements): styles may be inline, scripts
    # may not. ReDoc renders in a web worker started from a blob: URL.
    return (f"default-src 'none'; script-src {CDN} {hashes}".rstrip() + f"; style-src {CDN} 'unsafe-inline'; "
            f"img-src 'self' data: {FAVICON} {CDN}; font-src {CDN} data:; connect-src 'self'; worker-src blob:; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body).decode())
    return page


def install_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc for the app's /openapi.json."""
    assert app.openapi_url is not None

    def spec_url(request: Request) -> str:
        # Behind a proxy that mounts the service under a prefix, the spec is under it too (as FastAPI does).
        return str(request.scope.get("root_path", "")).rstrip("/") + str(app.openapi_url)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        return _with_policy(get_swagger_ui_html(openapi_url=spec_url(request), title=f"{app.title} - Swagger UI"))

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        # Without Google Fonts: one third party fewer, and ReDoc falls back to the system fonts.
        return _with_policy(get_redoc_html(openapi_url=spec_url(request), title=f"{app.title} - ReDoc",
                                           with_google_fonts=False))
