"""Sign-in of phone apps, OAuth 2.0 as Mastodon does it.

- `POST /api/v1/apps`: an app registers (name, redirect URIs, scopes) and gets a client id
  and secret.
- `GET /oauth/authorize`: the trainer signs in on the node's own page (server/auth.py
  sessions; /login?next= brings them back) and sees "Authorise APP to ...", a form with the
  CSRF field. Allowing it issues a one-use code (ten minutes), bound to the PKCE challenge
  (S256) when the app sent one, and sends the browser back to the app's redirect URI.
- `POST /oauth/token`: `authorization_code` (with `code_verifier` when the code has a
  challenge; a public client without a challenge must give its secret) and
  `client_credentials` (a token of the app itself, no user).
- `POST /oauth/revoke` and `/.well-known/oauth-authorization-server`.

Written here rather than with an OAuth library: Authlib's and oauthlib's servers are built
for Flask/Django or for synchronous request objects; adapting either to aiohttp was more code
than this small flow (see ARCHITECTURE.md, "server/api/").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp_jinja2
from aiohttp import web

from compagnon.i18n import _
from compagnon.server import auth
from compagnon.server.api import scopes as scope_rules
from compagnon.server.api.base import (
    ApiError,
    api_view,
    caller,
    error_answer,
    json_answer,
    params,
)
from compagnon.server.forms import error_page, expired_message, read_form
from compagnon.server.keys import SESSIONS, SETTINGS
from compagnon.server.security_headers import FORM_TARGETS
from compagnon.server.views import pages
from compagnon.storage.models import OAuthApp, User
from compagnon.storage.queries import oauth

OOB = "urn:ietf:wg:oauth:2.0:oob"
FORBIDDEN_SCHEMES = {"javascript", "data", "vbscript", "file", "blob", "about"}
MAX_REDIRECT_URIS = 10
CSP_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,40}")
CSP_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")


def _redirect_uri_ok(uri: str) -> bool:
    if uri == OOB:
        return True
    if len(uri) > 2000 or any(c.isspace() or ord(c) < 32 for c in uri):
        return False
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if not scheme or scheme in FORBIDDEN_SCHEMES or parts.fragment:
        return False
    if scheme in ("http", "https"):
        return bool(parts.netloc)
    return True  # an app's own scheme (tusky://oauth, ...)


@api_view
async def register_app(request: web.Request) -> web.StreamResponse:
    given = await params(request)
    name = given.get("client_name", "").strip()
    if not name or len(name) > 255:
        raise ApiError(422, _("Validation failed: client_name can't be blank"))
    raw_uris = given.getall("redirect_uris[]", []) or given.get("redirect_uris", OOB).split()
    uris = [u.strip() for u in raw_uris if u.strip()]
    if not uris or len(uris) > MAX_REDIRECT_URIS or not all(map(_redirect_uri_ok, uris)):
        raise ApiError(422, _("Validation failed: redirect_uris must be absolute URIs"))
    asked = scope_rules.parse(given.get("scopes", "read"))
    if asked is None:
        raise ApiError(422, _("Validation failed: scopes are invalid"))
    website = given.get("website", "").strip()[:2048] or None
    async with request.app[SESSIONS].begin() as session:
        app, secret = await oauth.register_app(session, name, uris, " ".join(asked), website)
    return json_answer(
        {
            "id": str(app.id),
            "name": app.name,
            "website": app.website,
            "scopes": asked,
            "redirect_uri": "\n".join(uris),
            "redirect_uris": uris,
            "client_id": app.client_id,
            "client_secret": secret,
            "client_secret_expires_at": 0,
            "vapid_key": "",
        }
    )


@api_view
async def verify_app(request: web.Request) -> web.StreamResponse:
    who = await caller(request, None, user=False)
    async with request.app[SESSIONS]() as session:
        app = await session.get(OAuthApp, who.token.app_id)
    assert app is not None
    return json_answer(
        {
            "id": str(app.id),
            "name": app.name,
            "website": app.website,
            "scopes": app.scopes.split(),
            "redirect_uris": app.redirect_uris.split("\n"),
            "vapid_key": "",
        }
    )


async def metadata(request: web.Request) -> web.StreamResponse:
    base = request.app[SETTINGS].base_url
    return json_answer(
        {
            "issuer": base + "/",
            "service_documentation": "https://docs.joinmastodon.org/",
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "app_registration_endpoint": f"{base}/api/v1/apps",
            "scopes_supported": sorted(scope_rules.KNOWN),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "code_challenge_methods_supported": ["S256"],
        }
    )


# --- the authorize page ---------------------------------------------------------------------


class _Asked:
    """A checked authorization request: the app, where to send the answer, what it asks."""

    def __init__(
        self, app: OAuthApp, redirect_uri: str, scopes: list[str], state: str, challenge: str | None
    ) -> None:
        self.app = app
        self.redirect_uri = redirect_uri
        self.scopes = scopes
        self.state = state
        self.challenge = challenge

    def fields(self) -> dict[str, str]:
        fields = {
            "client_id": self.app.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
            "state": self.state,
            "response_type": "code",
        }
        if self.challenge:
            fields["code_challenge"] = self.challenge
            fields["code_challenge_method"] = "S256"
        return fields


async def _checked(request: web.Request, given: Any) -> _Asked:
    """The request's parameters checked; a bad one is a page (never a redirect to an URI the
    app did not register)."""
    async with request.app[SESSIONS]() as session:
        app = await oauth.app_by_client_id(session, str(given.get("client_id", "")))
    if app is None:
        raise error_page(request, 400, _("This app is not registered on this node."))
    registered = app.redirect_uris.split("\n")
    redirect_uri = str(given.get("redirect_uri", "")) or registered[0]
    if redirect_uri not in registered:
        raise error_page(request, 400, _("The app gave a redirect address it did not register."))
    if str(given.get("response_type", "code")) != "code":
        raise error_page(request, 400, _("Only response_type=code is supported."))
    asked = scope_rules.parse(str(given.get("scope", "") or app.scopes))
    if asked is None or not scope_rules.within(asked, app.scopes):
        raise error_page(request, 400, _("The app asks for permissions it did not register."))
    challenge = str(given.get("code_challenge", "")) or None
    if challenge is not None:
        if str(given.get("code_challenge_method", "plain")) != "S256":
            raise error_page(request, 400, _("Only the S256 code challenge method is supported."))
        if not 43 <= len(challenge) <= 128:
            raise error_page(request, 400, _("The code challenge is malformed."))
    return _Asked(app, redirect_uri, asked, str(given.get("state", ""))[:1000], challenge)


def _permission_lines(scopes: list[str]) -> list[str]:
    lines = []
    names = set(scopes)
    if names & {"read", *(s for s in names if s.startswith("read:"))}:
        lines.append(_("read your timelines, posts, notifications and account"))
    if names & {"write", *(s for s in names if s.startswith("write:"))}:
        lines.append(_("post, reply, like, share and delete on your behalf"))
    if "follow" in names:
        lines.append(_("follow and unfollow people"))
    if "push" in names:
        lines.append(_("send you push notifications"))
    return lines


async def authorize_form(request: web.Request) -> web.StreamResponse:
    asked = await _checked(request, request.query)
    user = await auth.current_user(request)
    if user is None:
        raise web.HTTPSeeOther("/login?" + urlencode({"next": request.path_qs}))
    return _render(request, asked, user)


def _form_target(redirect_uri: str) -> tuple[str, ...]:
    """The CSP source of the app's redirect URI: its origin, or its own scheme (`tusky:`)."""
    parts = urlsplit(redirect_uri)
    if redirect_uri == OOB or not CSP_SCHEME.fullmatch(parts.scheme):
        return ()
    if parts.scheme in ("http", "https"):
        # Only a plain host[:port] goes into the header (nothing that could end a directive).
        host = parts.netloc.rpartition("@")[2]
        return (f"{parts.scheme}://{host}",) if CSP_HOST.fullmatch(host) else ()
    return (f"{parts.scheme}:",)


def _render(request: web.Request, asked: _Asked, user: User) -> web.StreamResponse:
    context = pages._base(
        request,
        user=user,
        app=asked.app,
        fields=asked.fields(),
        permissions=_permission_lines(asked.scopes),
    )
    response = aiohttp_jinja2.render_template("oauth_authorize.html", request, context)
    response.headers["Cache-Control"] = "no-store"
    request[FORM_TARGETS] = _form_target(asked.redirect_uri)
    return response


def _back_to_app(redirect_uri: str, answer: dict[str, str]) -> web.HTTPSeeOther:
    parts = urlsplit(redirect_uri)
    query = urlencode([*parse_qsl(parts.query), *answer.items()])
    return web.HTTPSeeOther(urlunsplit(parts._replace(query=query)))


async def authorize(request: web.Request) -> web.StreamResponse:
    user = await auth.current_user(request)
    if user is None:
        raise web.HTTPSeeOther("/login")
    form = await read_form(request)
    if not auth.check_csrf(request, str(form.get("csrf", ""))):
        raise error_page(request, 403, expired_message())
    asked = await _checked(request, form)
    state = {"state": asked.state} if asked.state else {}
    if form.get("decision") != "allow":
        if asked.redirect_uri == OOB:
            raise web.HTTPSeeOther("/settings/apps")
        raise _back_to_app(asked.redirect_uri, {"error": "access_denied", **state})
    async with request.app[SESSIONS].begin() as session:
        code = await oauth.issue_code(
            session, asked.app, user, asked.redirect_uri, " ".join(asked.scopes), asked.challenge
        )
    if asked.redirect_uri == OOB:  # the app shows no page of its own: the code, to copy
        context = pages._base(request, user=user, app=asked.app, code=code)
        return aiohttp_jinja2.render_template("oauth_code.html", request, context)
    raise _back_to_app(asked.redirect_uri, {"code": code, **state})


# --- tokens ---------------------------------------------------------------------------------


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    response = error_answer(status, error, description)
    response.headers["Cache-Control"] = "no-store"
    return response


def _client_credentials(request: web.Request, given: Any) -> tuple[str, str]:
    """client_id and client_secret from the body or from HTTP Basic."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except ValueError:
            decoded = ""
        client_id, _sep, secret = decoded.partition(":")
        return client_id, secret
    return str(given.get("client_id", "")), str(given.get("client_secret", ""))


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@api_view
async def token(request: web.Request) -> web.StreamResponse:
    given = await params(request)
    grant = given.get("grant_type", "")
    client_id, secret = _client_credentials(request, given)
    async with request.app[SESSIONS].begin() as session:
        app = await oauth.app_by_client_id(session, client_id)
        if app is None:
            return _oauth_error(401, "invalid_client", _("Unknown client."))
        secret_ok = bool(secret) and hmac.compare_digest(
            oauth.sha256(secret), app.client_secret_sha256
        )
        if secret and not secret_ok:
            return _oauth_error(401, "invalid_client", _("Wrong client secret."))
        if grant == "client_credentials":
            if not secret_ok:
                return _oauth_error(401, "invalid_client", _("The client secret is required."))
            asked = scope_rules.parse(given.get("scope", "") or "read")
            if asked is None or not scope_rules.within(asked, app.scopes):
                return _oauth_error(400, "invalid_scope", _("Scopes beyond the app's."))
            row, access = await oauth.issue_token(session, app.id, None, " ".join(asked))
        elif grant == "authorization_code":
            code = await oauth.take_code(session, given.get("code", ""))
            if code is None or code.app_id != app.id:
                return _oauth_error(400, "invalid_grant", _("The code is unknown, used or old."))
            if given.get("redirect_uri", code.redirect_uri) != code.redirect_uri:
                return _oauth_error(400, "invalid_grant", _("The redirect_uri differs."))
            verifier = given.get("code_verifier", "")
            if code.code_challenge is not None:
                if not verifier or not hmac.compare_digest(_s256(verifier), code.code_challenge):
                    return _oauth_error(400, "invalid_grant", _("The code_verifier is wrong."))
            elif not secret_ok:
                return _oauth_error(
                    401, "invalid_client", _("Without PKCE the client secret is required.")
                )
            row, access = await oauth.issue_token(session, app.id, code.user_id, code.scopes)
        else:
            return _oauth_error(
                400, "unsupported_grant_type", _("Use authorization_code or client_credentials.")
            )
    return json_answer(
        {
            "access_token": access,
            "token_type": "Bearer",
            "scope": row.scopes,
            "created_at": int(row.created_at.replace(tzinfo=UTC).timestamp()),
        },
        headers={"Cache-Control": "no-store"},
    )


@api_view
async def revoke(request: web.Request) -> web.StreamResponse:
    given = await params(request)
    client_id, secret = _client_credentials(request, given)
    async with request.app[SESSIONS].begin() as session:
        app = await oauth.app_by_client_id(session, client_id)
        if app is None or (
            secret and not hmac.compare_digest(oauth.sha256(secret), app.client_secret_sha256)
        ):
            return _oauth_error(403, "unauthorized_client", _("Unknown client or secret."))
        await oauth.revoke(session, given.get("token", ""), app.id)
    return json_answer({})  # RFC 7009: the same answer whether the token existed or not
