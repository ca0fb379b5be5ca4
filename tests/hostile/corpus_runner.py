"""Running the hostile-input corpus (generator.py) against one real node: no answer is a
5xx, and a refused request stores nothing (objects, activities, follows, reactions,
notifications and the API's apps, codes and tokens are counted before and after each).

One family a test file: test_corpus_inbox.py, test_corpus_get.py, test_corpus_forms.py and
test_corpus_api.py (where a refusal of the Mastodon client API is its JSON
`{"error": "..."}`). Each family runs as one test over its whole list, so the default profile
stays fast; the counts tried and the 5xx found are printed (`pytest -s`) for
docs/reliability.md.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from sqlalchemy import func, select
from yarl import URL

from compagnon.federation.signing.signatures import load_private_key
from compagnon.storage.models import (
    Activity,
    ApiIdempotency,
    Follow,
    Notification,
    OAuthApp,
    OAuthCode,
    OAuthToken,
    Object,
    Reaction,
)
from tests.conftest import NodeFactory
from tests.hostile.generator import Case, Sender, Target
from tests.support.nodes import Node

# The sign-in limits would answer 429 to most of the corpus: raise them so the requests
# reach the code behind (the limits have tests of their own in tests/integration).
# The corpus sends hundreds of requests from one address and one host: the sign-in and
# per-host inbox limits (tested on their own) would answer most of them 429 before the
# parsers this corpus is for ever saw them.
NODE_SETTINGS = {
    "login_failures_per_account": 10**6,
    "login_failures_per_address": 10**6,
    "inbox_rate_per_host": 0,
}


@dataclass
class Tally:
    tried: int = 0
    server_errors: int = 0
    refused: int = 0


STORED = (
    Object,
    Activity,
    Follow,
    Reaction,
    Notification,
    OAuthApp,
    OAuthCode,
    OAuthToken,
    ApiIdempotency,
)
# (case, status, content type, body) -> what is wrong with the answer, or None
AnswerCheck = Callable[[Case, int, str, bytes], str | None]


async def counts(node: Node) -> tuple[int, ...]:
    """Rows of every table a refused request must leave alone, in one statement."""
    columns = [select(func.count()).select_from(t).scalar_subquery() for t in STORED]
    async with node.sessions() as session:
        row = (await session.execute(select(*columns))).one()
    return tuple(int(n) for n in row)


async def run(node: Node, cases: list[Case], label: str, check: AnswerCheck | None = None) -> Tally:
    """Send every case; a 5xx, or a refusal after which the counts moved, is a problem."""
    tally = Tally()
    problems: list[str] = []
    jar = aiohttp.DummyCookieJar()  # every case carries its own cookies, none are kept
    timeout = aiohttp.ClientTimeout(total=30)
    stored = await counts(node)
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=timeout) as http:
        for case in cases:
            url = URL(node.base + case.path, encoded=True)
            # aiohttp's client warns about large bytes bodies; a file object it streams.
            data = io.BytesIO(case.body) if case.body and len(case.body) > 2**20 else case.body
            async with http.request(
                case.method, url, headers=case.headers, data=data, allow_redirects=False
            ) as response:
                status = response.status
                body = await response.read()
                kind = response.content_type
            tally.tried += 1
            what = f"{case.name!r} {case.method} {case.path[:80]!r} -> {status}"
            if status >= 500:
                tally.server_errors += 1
                problems.append(what)
            elif status >= 400:
                tally.refused += 1
            if check is not None and (wrong := check(case, status, kind, body)):
                problems.append(f"{what}: {wrong}")
            if case.method != "GET":  # a GET stores nothing whatever it gets
                now = await counts(node)
                if status >= 400 and now != stored:
                    problems.append(f"{what} but something was stored")
                stored = now
            if case.expect == "refused" and not 400 <= status < 500:
                problems.append(f"{what}, expected a refusal")
            if case.expect == "accepted" and status >= 400:
                problems.append(f"{what}, expected it accepted")
    print(f"\nhostile {label}: {tally.tried} tried, {tally.server_errors} 5xx,", end=" ")
    print(f"{tally.refused} refused")
    assert not problems, "\n".join(problems[:40])
    return tally


async def sender_and_target(
    make_node: NodeFactory, backend: str = "sqlite"
) -> tuple[Node, Sender, Target]:
    """The node under test (on `backend`) with a post to aim at, and a real peer's signer."""
    node = await make_node("target", backend=backend, **NODE_SETTINGS)
    await node.create_user("maria")
    post = await node.post("maria", "A post for the corpus to point at")
    remote = await make_node("sender")
    bob = await remote.create_user("bob")
    assert bob.private_key_pem is not None
    sender = Sender(bob.uri, bob.public_key_id, load_private_key(bob.private_key_pem))
    async with node.sessions() as session:
        activity = await session.scalar(select(Activity.uri).where(Activity.object_uri == post.uri))
    target = Target(
        node.base,
        "maria",
        post.uri.removeprefix(node.base),
        str(activity).removeprefix(node.base),
    )
    return node, sender, target
