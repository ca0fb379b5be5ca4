"""Staff for the admin tests (tests/integration/test_admin*.py): a person given a role, and
a browser signed in as an admin."""

from __future__ import annotations

from compagnon.storage.queries import actors as actor_queries
from tests.support.nodes import Node
from tests.support.web import Browser


async def make_staff(node: Node, username: str, role: str) -> None:
    await node.create_user(username)
    async with node.sessions.begin() as session:
        user = await actor_queries.user_by_username(session, username)
        assert user is not None
        user.role = role


async def admin_browser(node: Node) -> Browser:
    await make_staff(node, "boss", "admin")
    browser = Browser(node)
    assert await browser.log_in("boss") == 303
    return browser
