"""The node's VAPID key pair (RFC 8292): one P-256 key, made on first use and kept as a node
fact (like the node secret), its public key given to apps (`/api/v2/instance`, the
subscription's `server_key`) and its JWT in every push, so push services know the pushes
come from this node."""

from __future__ import annotations

import base64
import functools
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.push.keys import b64url
from compagnon.storage.models import NodeFact
from compagnon.storage.queries import push as push_queries

FACT = "vapid_private_key"
JWT_LIFETIME = 12 * 3600  # seconds; RFC 8292 allows up to 24 h


@dataclass(frozen=True)
class VapidKey:
    private_key: ec.EllipticCurvePrivateKey
    public_bytes: bytes  # uncompressed point, 65 bytes

    @property
    def public_b64(self) -> str:
        """base64url without padding: the `k=` of the header and `p256ecdsa=`."""
        return b64url(self.public_bytes)

    @property
    def server_key(self) -> str:
        """As Mastodon gives it to apps (its `vapid_key`): base64url with padding."""
        return base64.urlsafe_b64encode(self.public_bytes).decode()


@functools.lru_cache(maxsize=4)
def _parse(pem: str) -> VapidKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKey(key, public)


def new_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


async def node_key(session: AsyncSession) -> VapidKey:
    """The node's key pair, made and stored the first time it is asked for (two processes
    asking at once keep the one written first)."""
    fact = await session.get(NodeFact, FACT)
    if fact is None:
        await push_queries.keep_fact(session, FACT, new_pem())
        fact = await session.get(NodeFact, FACT, populate_existing=True)
        assert fact is not None
    return _parse(fact.value)


def jwt(key: VapidKey, endpoint: str, subject: str, now: float | None = None) -> str:
    """The ES256 JWT of RFC 8292 §2: audience the push service's origin, 12 hours."""
    parts = urlsplit(endpoint)
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int((now or time.time()) + JWT_LIFETIME),
        "sub": subject,
    }
    header = b64url(orjson.dumps({"typ": "JWT", "alg": "ES256"}))
    signing_input = f"{header}.{b64url(orjson.dumps(claims))}"
    der = key.private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
