"""Security headers on every answer, set in one place just before it is sent.

A hook on `on_response_prepare` rather than a `@web.middleware`: it sees every answer the app
sends, including the ones a middleware never returns (an `HTTPException` a view raises, the
router's 404 and 405, static files), so no route can forget them.

- Every answer: `X-Content-Type-Options: nosniff` (a JSON or CSS answer is never run as a
  page or a script) and `Referrer-Policy` (our page URLs, search words included, stay here).
- HTML answers: a Content-Security-Policy without `'unsafe-inline'` (pages load their one
  stylesheet and their two small scripts from /static, the service worker from /sw.js and
  the manifest from /manifest.webmanifest, all this origin; an injected `<script>` body,
  `style=` or `on*=` attribute does nothing), and no framing (`frame-ancestors 'none'`, plus
  `X-Frame-Options` for older browsers), so no form can be framed and clicked blind.
- Discovery documents (WebFinger, host-meta, NodeInfo): `Access-Control-Allow-Origin: *`, so
  browser clients can look up handles (RFC 7033 §5 makes it a MUST for WebFinger).
"""

from __future__ import annotations

from aiohttp import web

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        # Said outright, though default-src already covers them: the app's worker and manifest.
        "worker-src 'self'",
        "manifest-src 'self'",
    ]
)
EVERY_ANSWER = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HTML_ANSWER = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
}
DISCOVERY_PREFIXES = ("/.well-known/", "/nodeinfo/")
# Where a page's form may lead besides this node: the OAuth authorize page's form answers with
# a redirect to the app (`tusky:` or `https://app.example`), which browsers check against
# form-action (server/api/oauth.py sets it for that page only).
FORM_TARGETS = web.RequestKey("form_targets", tuple[str, ...])


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in EVERY_ANSWER.items():
        response.headers.setdefault(name, value)
    if response.content_type == "text/html":
        response.headers.update(HTML_ANSWER)
        targets = request.get(FORM_TARGETS, ())
        if targets:
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
                "form-action 'self'", " ".join(["form-action 'self'", *targets])
            )
    if request.path.startswith(DISCOVERY_PREFIXES):
        response.headers["Access-Control-Allow-Origin"] = "*"


def install(app: web.Application) -> None:
    app.on_response_prepare.append(add_security_headers)
