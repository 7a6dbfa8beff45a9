"""Security headers on every response, and how stored files are served.

API answers are data, never documents: a Content-Security-Policy that allows nothing, ``nosniff`` so a
browser never guesses HTML out of a JSON or a file, and no framing. Only the Swagger UI page, which is a
document, may run its own inline script and styles. Files are downloads (``attachment``) except images,
which may show inline; every file answer is also sandboxed (``api.attachments.send_attachment``).
"""

from __future__ import annotations

from flask import Flask, request

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_POLICY = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'")
FILE_POLICY = API_POLICY + "; sandbox"
INLINE_TYPES = frozenset({"image/jpeg", "image/png"})
DOCS_PATHS = ("/api/v1/docs", "/swaggerui/")


def init_security(app: Flask) -> None:
    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        docs = request.path.startswith(DOCS_PATHS)
        headers.setdefault("Content-Security-Policy", DOCS_POLICY if docs else API_POLICY)
        return response
