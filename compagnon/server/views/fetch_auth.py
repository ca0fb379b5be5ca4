"""Who is asking for a document: signed GETs, authorized-fetch mode, blocked domains.

With `authorized_fetch` on, every ActivityPub document but the instance actor needs a signed
GET (401 without one), and a signed GET from a blocked domain is refused (403). In either mode
a verified requester unlocks the followers-only and direct objects meant for them.
"""

from __future__ import annotations

from aiohttp import web

from compagnon.federation.inbox.pipeline import is_blocked
from compagnon.federation.signing.signatures import SignatureError, verify_request
from compagnon.federation.urls import host_of
from compagnon.server.keys import BLOCKED, RESOLVER, SETTINGS
from compagnon.server.negotiation import problem
from compagnon.server.views.inbox import public_url

# The verified actor id, None (anonymous), or a ready refusal.
Requester = str | None | web.Response


def _is_signed(request: web.Request) -> bool:
    return "Signature" in request.headers or "Signature-Input" in request.headers


async def requester(request: web.Request, *, need_identity: bool = False) -> Requester:
    """Who signed this GET: the verified actor id, None for anyone, or a ready 401/403 answer.

    Without authorized fetch a signature is only checked when the document depends on who
    asks (`need_identity`: a private object), and a signature we cannot check just makes the
    request anonymous: public documents never wait on fetching a stranger's key. With
    authorized fetch every GET must carry a valid signature from a domain that is not blocked.
    """
    strict = request.app[SETTINGS].authorized_fetch
    if not _is_signed(request):
        if strict:
            return problem(401, "this node requires signed requests (authorized fetch)")
        return None
    if not strict and not need_identity:
        return None
    try:
        verified = await verify_request(
            "GET",
            public_url(request),
            request.headers,
            b"",
            request.app[RESOLVER].key_lookup,
            max_age=request.app[SETTINGS].signature_max_age,
        )
    except SignatureError as exc:
        return problem(401, str(exc) or "signature not verified") if strict else None
    if strict and is_blocked(host_of(verified.owner), await request.app[BLOCKED].hosts()):
        return problem(403, f"{host_of(verified.owner)} is blocked by this node")
    return verified.owner
