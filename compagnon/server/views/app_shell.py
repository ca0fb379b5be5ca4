"""What makes the node an installable web app: the manifest, the service worker and the page
it shows when a page was never read before the connection went.

The worker is a static file (static/sw.js) answered at the root, because a service worker
controls only the pages under its own path; `Service-Worker-Allowed: /` says so explicitly and
`no-cache` makes browsers look for a new version on every visit (they do at most once a day
anyway). Nothing here needs a session: the manifest and the offline page are the same for
everyone, so a copy kept by the worker never holds a person's name or a form token.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from compagnon.i18n import _
from compagnon.server.keys import SETTINGS
from compagnon.server.views import pages

STATIC = Path(__file__).parent.parent / "static"
THEME = "#0b6e4f"  # the header's colour in static/site.css (--accent)
BACKGROUND = "#fafbfc"


async def manifest(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    document = {
        "name": settings.node_name,
        "short_name": settings.node_name[:12],
        "description": _("Learning resources and news from trainers, here and abroad."),
        "start_url": "/home",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "icons": [
            {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {
                "src": "/static/icon-maskable-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = web.json_response(document, content_type="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


async def service_worker(request: web.Request) -> web.FileResponse:
    response = web.FileResponse(
        STATIC / "sw.js",
        headers={
            "Content-Type": "text/javascript",
            "Service-Worker-Allowed": "/",
            "Cache-Control": "no-cache",
        },
    )
    return response


async def offline_page(request: web.Request) -> web.StreamResponse:
    context = pages._base(request, user=None)
    return aiohttp_jinja2.render_template("offline.html", request, context)
