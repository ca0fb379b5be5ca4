"""Web Push to phone apps, end to end on loopback: an app subscribes with Mastodon.py (keys it
generated), a trainer on a second node follows, mentions and likes; the worker pushes to a
real push service (a small aiohttp server here that records what it receives), and
Mastodon.py decrypts the push into Mastodon's JSON. The VAPID JWT is checked with the
node's public key from /api/v2/instance; a push service answering 410 ends the
subscription; an alert turned off sends nothing; hostile subscriptions are refused in
Mastodon's JSON form."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import http_ece
import httpx
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from mastodon import Mastodon
from sqlalchemy import func, select

from compagnon.storage.models import PushDelivery, PushSubscription, User, utcnow
from compagnon.storage.queries import oauth
from tests.conftest import NodeFactory
from tests.support.mastodon_app import call
from tests.support.nodes import Node, free_port, settle
from tests.support.signin import sign_in

SCOPES = "read write follow push"


@dataclass
class PushService:
    """A push service on loopback: every POST recorded; `answers` sets the status per path."""

    base: str
    received: list[dict[str, Any]] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)

    def take(self) -> list[dict[str, Any]]:
        taken, self.received[:] = list(self.received), []
        return taken


@pytest.fixture
async def push_service() -> AsyncIterator[PushService]:
    port = free_port()
    service = PushService(f"http://127.0.0.1:{port}")

    async def receive(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        service.received.append(
            {"path": name, "headers": dict(request.headers), "body": await request.read()}
        )
        return web.Response(status=service.answers.get(name, 201))

    app = web.Application()
    app.router.add_post("/push/{name}", receive)
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    yield service
    await server.close()


async def app_token(node: Node, username: str, scopes: str = SCOPES) -> tuple[str, int]:
    """An app authorised by `username` (the OAuth flow itself is
    tests/support/mastodon_app.py's)."""
    async with node.sessions.begin() as session:
        user = await session.scalar(select(User).where(User.username == username))
        app, _secret = await oauth.register_app(
            session, "Tusky test", ["https://app.example/cb"], scopes, None
        )
        _row, token = await oauth.issue_token(session, app.id, user.id, scopes)
    return token, app.id


def client(node: Node, token: str) -> Mastodon:
    return Mastodon(access_token=token, api_base_url=node.base)


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_jwt(jwt: str, public_key: bytes, audience: str, subject: str) -> None:
    """The VAPID JWT is ES256 by the node's key, for the push service's origin."""
    header, claims, signature = jwt.split(".")
    assert orjson.loads(b64(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = b64(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):  # and nothing else passes for it
        key.verify(der, f"{header}.{claims}x".encode(), ec.ECDSA(hashes.SHA256()))
    body = orjson.loads(b64(claims))
    assert body["aud"] == audience and body["sub"] == subject
    assert time.time() < body["exp"] <= time.time() + 24 * 3600


async def follow_from_app(api: Mastodon, username: str, again: bool = False) -> None:
    account = await call(api.account_lookup, username)
    if again:
        await call(api.account_unfollow, account.id)
    await call(api.account_follow, account.id)


async def queued(node: Node) -> int:
    async with node.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(PushDelivery)) or 0)


async def test_an_app_is_pushed_what_happens_and_decrypts_it(
    make_node: NodeFactory, push_service: PushService, backend: str
) -> None:
    a, b = await make_node("a", backend), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    token, _app_id = await app_token(a, "maria")
    api = client(a, token)
    private, public = await call(api.push_subscription_generate_keys)
    endpoint = f"{push_service.base}/push/maria"
    subscription = await call(
        api.push_subscription_set,
        endpoint,
        public,
        follow_events=True,
        mention_events=True,
        favourite_events=False,
    )
    assert subscription.endpoint == endpoint and subscription.policy == "all"
    assert subscription.alerts.follow and subscription.alerts.mention
    assert not subscription.alerts.favourite and not subscription.alerts.reblog
    assert subscription.standard is False
    instance = await call(api.instance_v2)
    server_key = instance.configuration.vapid.public_key
    assert subscription.server_key == server_key and len(b64(server_key)) == 65
    assert (await call(api.push_subscription)).id == subscription.id

    # joao follows maria from his node: her app is pushed, and decrypts it.
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    [push] = push_service.take()
    headers = push["headers"]
    assert headers["Content-Encoding"] == "aesgcm" and headers["TTL"] == str(48 * 3600)
    assert headers["Urgency"] == "normal"
    assert headers["Content-Type"] == "application/octet-stream"
    payload = await call(
        api.push_subscription_decrypt_push,
        push["body"],
        private,
        headers["Encryption"],
        headers["Crypto-Key"],
    )
    [notification] = await call(api.notifications)
    assert payload.notification_type == "follow" and notification.type == "follow"
    assert str(payload.notification_id) == str(notification.id)
    assert payload.access_token == token  # an app with several accounts knows which
    assert payload.title == "joao followed you"
    assert payload.preferred_locale == "en" and payload.icon.startswith("http")
    # The VAPID JWT: the node's key (the one apps were given), for the service's origin.
    scheme, _sep, jwt = headers["Authorization"].partition(" ")
    assert scheme == "WebPush"
    assert f"p256ecdsa={server_key.rstrip('=')}" in headers["Crypto-Key"]
    check_jwt(jwt, b64(server_key), push_service.base, a.base)

    # A mention: pushed with the post's text.
    await b.post("joao", f"@maria@{a.domain} the MIG checklist is ready", mentions=[
        f"maria@{a.domain}"
    ])  # fmt: skip
    await settle(a, b)
    [push] = push_service.take()
    payload = await call(
        api.push_subscription_decrypt_push,
        push["body"],
        private,
        push["headers"]["Encryption"],
        push["headers"]["Crypto-Key"],
    )
    assert payload.notification_type == "mention"
    assert payload.title == "joao mentioned you" and "MIG checklist is ready" in payload.body

    # Favourites were not asked for: a like is notified in the app, never pushed.
    post = await a.post("maria", "Bead sizes for 2 mm plate")
    await settle(a, b)
    await b.react("joao", "Like", post.uri)
    await settle(a, b)
    assert (await call(api.notifications, types=["favourite"]))[0].type == "favourite"
    assert push_service.take() == [] and await queued(a) == 0

    # Turned on with PUT, and the policy narrowed: maria does not follow joao, so "followed"
    # pushes nothing of his; "follower" (he follows her) does.
    changed = await call(api.push_subscription_update, favourite_events=True, policy="followed")
    assert changed.alerts.favourite and changed.alerts.follow and changed.policy == "followed"
    other = await a.post("maria", "Root gap 2 mm")
    await settle(a, b)
    await b.react("joao", "Like", other.uri)
    await settle(a, b)
    assert push_service.take() == []
    await call(api.push_subscription_update, policy="follower")
    third = await a.post("maria", "Tack welds every 50 mm")
    await settle(a, b)
    await b.react("joao", "Like", third.uri)
    await settle(a, b)
    [push] = push_service.take()
    payload = await call(
        api.push_subscription_decrypt_push,
        push["body"],
        private,
        push["headers"]["Encryption"],
        push["headers"]["Crypto-Key"],
    )
    assert payload.notification_type == "favourite" and "Tack welds" in payload.body


async def test_a_standard_subscription_gets_rfc8291_and_rfc8292(
    make_node: NodeFactory, push_service: PushService
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    await a.create_user("rita")
    token, _app_id = await app_token(a, "maria")
    receiver = ec.generate_private_key(ec.SECP256R1())
    p256dh = receiver.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth = b"0123456789abcdef"
    async with httpx.AsyncClient(
        base_url=a.base, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        answer = await http.post(  # JSON nested as deep as Ice Cubes sends it
            "/api/v1/push/subscription",
            json={
                "subscription": {
                    "endpoint": f"{push_service.base}/push/std",
                    "standard": True,
                    "keys": {
                        "p256dh": base64.urlsafe_b64encode(p256dh).decode().rstrip("="),
                        "auth": base64.urlsafe_b64encode(auth).decode().rstrip("="),
                    },
                },
                "data": {"alerts": {"follow": True}, "policy": "all"},
            },
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["standard"] is True and answer.json()["alerts"]["follow"]
        server_key = answer.json()["server_key"]
    rita, _app_id = await app_token(a, "rita")  # rita follows maria from her own app
    rita_api = client(a, rita)
    await call(rita_api.account_follow, (await call(rita_api.account_lookup, "maria")).id)
    await settle(a)
    [push] = push_service.take()
    headers = push["headers"]
    assert headers["Content-Encoding"] == "aes128gcm" and "Encryption" not in headers
    plain = http_ece.decrypt(push["body"], private_key=receiver, auth_secret=auth)
    payload = orjson.loads(plain)
    assert payload["notification_type"] == "follow" and payload["title"] == "rita followed you"
    assert payload["access_token"] == token
    scheme, _sep, rest = headers["Authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    assert b64(fields["k"]) == b64(server_key)
    check_jwt(fields["t"], b64(server_key), push_service.base, a.base)


async def test_gone_ends_the_subscription_and_failures_are_retried(
    make_node: NodeFactory, push_service: PushService
) -> None:
    a = await make_node("a")
    for name in ("maria", "rita", "ana"):
        await a.create_user(name)
    maria, _id = await app_token(a, "maria")
    rita, _id = await app_token(a, "rita")
    for token, path in ((maria, "gone"), (rita, "busy")):
        api = client(a, token)
        _private, public = await call(api.push_subscription_generate_keys)
        await call(
            api.push_subscription_set,
            f"{push_service.base}/push/{path}",
            public,
            follow_events=True,
        )
    push_service.answers |= {"gone": 410, "busy": 503}
    ana = client(a, (await app_token(a, "ana"))[0])
    await follow_from_app(ana, "maria")
    await follow_from_app(ana, "rita")
    await settle(a)
    assert sorted(p["path"] for p in push_service.take()) == ["busy", "gone"]
    # 410: maria's phone is gone, and so is her subscription (and nothing is queued for it).
    with pytest.raises(Exception, match="Record not found"):
        await call(client(a, maria).push_subscription)
    async with a.sessions() as session:
        [(attempts, status)] = (
            await session.execute(select(PushDelivery.attempts, PushDelivery.last_status))
        ).all()
    assert (attempts, status) == (1, 503)  # rita's push waits to be tried again
    await settle(a)
    assert push_service.take() == []  # not before its time
    push_service.answers["busy"] = 201
    await settle(a, now=utcnow() + timedelta(minutes=5))
    assert [p["path"] for p in push_service.take()] == ["busy"]
    assert await queued(a) == 0

    # Bounded: a service failing for good is given up, not tried for ever.
    push_service.answers["busy"] = 500
    await follow_from_app(ana, "rita", again=True)
    later = utcnow()
    for _ in range(12):
        later += timedelta(hours=7)
        await settle(a, now=later)
    tries = len(push_service.take())
    assert 1 < tries <= 8
    async with a.sessions() as session:
        states = list(await session.scalars(select(PushDelivery.state)))
    assert states == ["gave_up"]


async def test_revoking_the_app_ends_its_subscription_and_settings_show_push(
    make_node: NodeFactory, push_service: PushService
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    token, app_id = await app_token(a, "maria")
    api = client(a, token)
    _private, public = await call(api.push_subscription_generate_keys)
    await call(api.push_subscription_set, f"{push_service.base}/push/m", public, follow_events=True)
    async with httpx.AsyncClient(base_url=a.base, headers={"Accept": "text/html"}) as http:
        await sign_in(http, "maria")
        page = await http.get("/settings/apps")
        assert "Push notifications: on" in page.text
        async with a.sessions.begin() as session:
            user = await session.scalar(select(User).where(User.username == "maria"))
            await oauth.revoke_app(session, user.id, app_id)
        page = await http.get("/settings/apps")
        assert "Push notifications: on" not in page.text
    async with a.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PushSubscription)) == 0


def _key_b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def test_hostile_subscriptions_are_refused_in_mastodons_form(
    make_node: NodeFactory, push_service: PushService
) -> None:
    a = await make_node("a")
    closed = await make_node("closed", allow_private_addresses=False)
    await a.create_user("maria")
    await closed.create_user("maria")
    token, _id = await app_token(a, "maria")
    reader, _id = await app_token(a, "maria", "read write")
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    good = {
        "subscription[endpoint]": f"{push_service.base}/push/x",
        "subscription[keys][p256dh]": _key_b64(point),
        "subscription[keys][auth]": _key_b64(b"a" * 16),
    }
    bad: list[dict[str, str]] = [
        {**good, "subscription[endpoint]": ""},
        {**good, "subscription[endpoint]": "javascript:alert(1)"},
        {**good, "subscription[endpoint]": "ftp://127.0.0.1/push"},
        {**good, "subscription[endpoint]": "https://user@push.example/x"},
        {**good, "subscription[endpoint]": "https://push.example/" + "x" * 3000},
        {**good, "subscription[endpoint]": "https://push example/x"},
        {**good, "subscription[keys][p256dh]": ""},
        {**good, "subscription[keys][p256dh]": _key_b64(point[:64])},
        {**good, "subscription[keys][p256dh]": _key_b64(b"\x04" + b"\x01" * 64)},  # off curve
        {**good, "subscription[keys][p256dh]": "***not base64***"},
        {**good, "subscription[keys][p256dh]": "A" * 5000},
        {**good, "subscription[keys][auth]": _key_b64(b"a" * 15)},
        {**good, "subscription[keys][auth]": "%%%"},
        {**good, "policy": "everyone"},
        {**good, "data[policy]": "all\x00none"},
    ]
    async with httpx.AsyncClient(base_url=a.base) as http:
        auth = {"Authorization": f"Bearer {token}"}
        for form in bad:
            answer = await http.post("/api/v1/push/subscription", data=form, headers=auth)
            assert answer.status_code == 422, (form, answer.text)
            assert set(answer.json()) == {"error"} and answer.json()["error"]
        for body in (
            b"[1, 2]",
            b"{not json",
            orjson.dumps({"subscription": {"keys": {"p256dh": {"a": {"b": {"c": 1}}}}}}),
            orjson.dumps({f"k{n}": n for n in range(100)}),
        ):
            answer = await http.post(
                "/api/v1/push/subscription",
                content=body,
                headers={**auth, "Content-Type": "application/json"},
            )
            assert answer.status_code == 422, answer.text
        assert await queued(a) == 0
        # Nothing was kept: there is no subscription to read or change.
        for method in ("GET", "PUT"):
            answer = await http.request(method, "/api/v1/push/subscription", headers=auth)
            assert answer.status_code == 404 and answer.json() == {"error": "Record not found"}
        answer = await http.delete("/api/v1/push/subscription", headers=auth)
        assert answer.status_code == 200 and answer.json() == {}
        # Who may: a token, holding `push`.
        answer = await http.post("/api/v1/push/subscription", data=good)
        assert answer.status_code == 401
        answer = await http.post(
            "/api/v1/push/subscription", data=good, headers={"Authorization": f"Bearer {reader}"}
        )
        assert answer.status_code == 403 and "error" in answer.json()
        answer = await http.post("/api/v1/push/subscription", data=good, headers=auth)
        assert answer.status_code == 200
        # PUT with a bad policy changes nothing.
        answer = await http.put(
            "/api/v1/push/subscription", data={"data[policy]": "nobody"}, headers=auth
        )
        assert answer.status_code == 422
        assert (await http.get("/api/v1/push/subscription", headers=auth)).json()["policy"] == "all"
    # A node that does not federate on private networks takes https push services only.
    closed_token, _id = await app_token(closed, "maria")
    async with httpx.AsyncClient(base_url=closed.base) as http:
        answer = await http.post(
            "/api/v1/push/subscription",
            data=good,
            headers={"Authorization": f"Bearer {closed_token}"},
        )
        assert answer.status_code == 422 and "https" in answer.json()["error"]
