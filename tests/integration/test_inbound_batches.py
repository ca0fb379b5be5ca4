"""Many activities applied in one worker pass: Creates stored together, in arrival order
with the Deletes and Follows between them, each reader's home timeline right."""

from __future__ import annotations

from sqlalchemy import select

from compagnon.storage.models import Activity, Object, TimelineEntry, User
from compagnon.storage.queries import objects as object_queries
from tests.conftest import NodeFactory
from tests.integration.test_federation import follow_accepted
from tests.support.nodes import Node, settle


async def timeline_uris(node: Node, username: str) -> set[str]:
    async with node.sessions() as session:
        user_id = await session.scalar(select(User.id).where(User.username == username))
        assert user_id is not None
        return {o.uri for o, _ in await object_queries.home_timeline(session, user_id, limit=100)}


async def test_a_burst_from_two_centres_is_applied_in_one_pass(
    make_node: NodeFactory, backend: str
) -> None:
    a, c = await make_node("a", backend=backend), await make_node("c", backend=backend)
    b = await make_node("b", backend=backend)
    await a.create_user("ana")
    await c.create_user("carla")
    await b.create_user("bruno")
    await b.create_user("beatriz")
    await follow_accepted(b, a, "bruno", "ana")
    await b.follow("beatriz", f"carla@{c.domain}")
    await settle(b, c)

    # Queued on A and C without B's worker running: B receives them all before it applies any.
    first = await a.post("ana", "Brazing course, unit 1")
    await a.run_once()  # delivered before it is deleted, so the Delete goes to B too
    second = await a.post("ana", "Brazing course, unit 2")
    await a.delete(first.uri)
    third = await a.post("ana", "Brazing course, unit 3", visibility="followers")
    from_c = [await c.post("carla", f"Plumbing quiz {n}") for n in range(3)]
    for sender in (a, c):
        await sender.run_once()
    async with b.sessions() as session:
        pending = (
            await session.execute(select(Activity.type).where(Activity.state == "pending"))
        ).scalars()
        assert sorted(pending) == ["Create"] * 6 + ["Delete"]

    report = await b.run_once()
    assert report.processed == 7 and report.failed == 0

    gone = await b.object(first.uri)
    assert gone is not None and gone.deleted_at is not None and gone.content == ""
    assert await timeline_uris(b, "bruno") == {second.uri, third.uri}
    assert await timeline_uris(b, "beatriz") == {o.uri for o in from_c}
    async with b.sessions() as session:
        stored = await session.execute(select(Object.content).where(Object.is_local.is_(False)))
        contents = " ".join(stored.scalars())
        entries = (await session.execute(select(TimelineEntry.id))).scalars().all()
    assert "unit 2" in contents and "Plumbing quiz 2" in contents
    assert len(entries) == 6  # ana's three (one now deleted) to bruno, carla's three to beatriz


async def test_one_bad_create_in_a_burst_is_recorded_and_the_others_stored(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await follow_accepted(b, a, "bruno", "ana")
    good = [await a.post("ana", f"Carpentry sheet {n}") for n in range(3)]
    # A Create whose object claims to live on another host: ignored, on its own.
    forged = await a.post("ana", "Not really mine")
    async with a.sessions.begin() as session:
        activity = await session.scalar(
            select(Activity).where(Activity.object_uri == forged.uri, Activity.type == "Create")
        )
        assert activity is not None
        activity.raw = {
            **activity.raw,
            "object": {**activity.raw["object"], "id": "https://elsewhere.example/notes/1"},
        }
    await a.run_once()

    report = await b.run_once()
    assert report.processed == 4 and report.failed == 0
    assert await timeline_uris(b, "bruno") == {o.uri for o in good}
    async with b.sessions() as session:
        errors = (
            await session.execute(select(Activity.error).where(Activity.error.is_not(None)))
        ).scalars()
        assert list(errors) == ["ignored: the object is not on the sender's host"]
