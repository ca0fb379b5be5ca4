"""Events: published on node A, they reach B (Create, Update, Delete) and are listed there;
a trainer on B answers (going / maybe / not going), A counts it and refuses a place past the
capacity, politely; the .ics download parses back with the right times and zone; the CLI
names every mistake; catalogue sync imports events."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import select

from compagnon import operations
from compagnon.domain.events import Event, EventTranslation, normalised, problems
from compagnon.federation.event_convert import event_from_document
from compagnon.operations import events as ops
from compagnon.storage.models import Activity, Actor, Attendance, EventTime, Notification
from compagnon.storage.queries import events as event_queries
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle
from tests.support.remote_actor import RemoteActor

ACTIVITY_JSON = {"Accept": "application/activity+json"}
JSON = {"Accept": "application/json"}
NEXT_YEAR = datetime.now().year + 1

SEMINAR = Event(
    title="Welding safety seminar",
    description="Half a day on flashback arrestors.\n\nBring your own gloves.",
    start=datetime(NEXT_YEAR, 3, 1, 9, 0),
    end=datetime(NEXT_YEAR, 3, 1, 13, 30),
    timezone="Europe/Lisbon",
    place="Centro de Formação de Setúbal",
    address="Rua da Escola 12, 2900 Setúbal",
    language="en",
    capacity=2,
    translations=(EventTranslation("pt-PT", "Seminário de segurança na soldadura", "Meio dia."),),
)


async def publish(node: Node, username: str, event: Event = SEMINAR) -> str:
    return await ops.publish_event(node.settings, username, event)


async def answers(node: Node, uri: str) -> dict[str, str]:
    async with node.sessions() as session:
        rows = await event_queries.attendees(session, uri)
    return {actor.username: row.state for actor, row in rows}


def test_every_mistake_is_named() -> None:
    bad = Event(
        title="",
        start=datetime(2027, 3, 1, 18, 0),
        end=datetime(2027, 3, 1, 9, 0),
        timezone="Europe/Lisboa",
        place="Setúbal",
        online="javascript:alert(1)",
        language="Portuguese",
        capacity=0,
    )
    found = problems(normalised(bad))
    for expected in (
        "needs a title",
        "ends before it starts",
        "Unknown time zone 'Europe/Lisboa'",
        "either at a place or online",
        "http:// or https://",
        "BCP 47",
        "capacity",
    ):
        assert any(expected in sentence for sentence in found), expected
    assert problems(normalised(SEMINAR)) == []


async def test_event_reaches_a_follower_who_answers_and_is_counted(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await a.create_user("alice")
    for name in ("bruno", "beatriz", "bea"):
        await b.create_user(name)
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    uri = await publish(a, "ana")
    await settle(a, b)

    async with httpx.AsyncClient() as http:
        sent = (await http.get(uri, headers=ACTIVITY_JSON)).json()
    assert sent["type"] == "Event"
    assert sent["startTime"] == f"{NEXT_YEAR}-03-01T09:00:00+00:00"  # Lisbon in winter: UTC+0
    assert sent["timezone"] == "Europe/Lisbon"
    assert sent["location"]["name"] == "Centro de Formação de Setúbal"
    assert sent["maximumAttendeeCapacity"] == 2
    # What Mastodon shows of an Event: title, summary, link. The summary says when and where.
    assert f"{NEXT_YEAR}-03-01 09:00-13:30 (Europe/Lisbon)" in sent["summary"]
    assert "Setúbal" in sent["summary"]
    assert list(sent["nameMap"]) == ["en", "pt-PT"]

    copy = await b.object(uri)
    assert copy is not None and copy.type == "Event" and copy.raw is not None
    assert event_from_document(copy.raw) == normalised(SEMINAR)
    async with b.sessions() as session:
        times = await session.get(EventTime, copy.id)
    assert times is not None and times.capacity == 2
    assert times.start_at == datetime(NEXT_YEAR, 3, 1, 9, 0, tzinfo=ZoneInfo("UTC"))

    # B's trainers answer: going, maybe, not going. A counts them.
    assert await ops.attend(b.settings, "bruno", uri, "going") == "going"
    assert await ops.attend(b.settings, "beatriz", uri, "maybe") == "maybe"
    assert await ops.attend(b.settings, "bea", uri, "not_going") == "not_going"
    await settle(a, b)
    assert await answers(a, uri) == {"bruno": "going", "beatriz": "maybe", "bea": "not_going"}
    async with a.sessions() as session:  # the organiser hears of each answer
        organiser = await session.scalar(select(Actor).where(Actor.username == "ana"))
        assert organiser is not None
        told = await session.scalars(
            select(Notification.object_uri).where(
                Notification.recipient_id == organiser.id, Notification.kind == "attendance"
            )
        )
        assert list(told) == [uri, uri, uri]
    async with httpx.AsyncClient() as http:
        served = (await http.get(uri, headers=ACTIVITY_JSON)).json()
        page = (await http.get(uri)).text
    assert served["participantCount"] == 1
    assert served["remainingAttendeeCapacity"] == 1
    assert served["attendance"] == {"going": 1, "maybe": 1, "notGoing": 1}
    assert "1 going · 1 maybe · 1 not going" in page
    assert "2 places, 1 left" in page
    # Wall-clock times in the reader's language (English here), with the zone.
    shown = page.replace("\u202f", " ").replace("\u2013", "-")
    assert f"Mar 1, {NEXT_YEAR}, 9:00 AM - 1:30 PM (Europe/Lisbon)" in shown

    # The last place goes to a local trainer; the next one is refused, politely, on both sides.
    assert await ops.attend(a.settings, "alice", uri, "going") == "going"
    await ops.attend(b.settings, "beatriz", uri, "going")  # changes her mind: full now
    await settle(a, b)
    assert (await answers(a, uri))["beatriz"] == "refused"
    assert (await answers(b, uri))["beatriz"] == "refused"
    async with a.sessions() as session:
        counted = await event_queries.counts(session, uri)
    assert counted["going"] == 2 and counted["maybe"] == 0
    with pytest.raises(operations.OperationError, match="full"):
        await ops.attend(a.settings, "ana", uri, "going")
    # Not going is always possible, and frees a place.
    await ops.attend(b.settings, "bruno", uri, "not_going")
    await settle(a, b)
    assert (await answers(a, uri))["bruno"] == "not_going"

    # Update and Delete reach B.
    later = replace(
        SEMINAR, start=datetime(NEXT_YEAR, 7, 1, 9, 0), end=datetime(NEXT_YEAR, 7, 1, 12)
    )
    await ops.edit_event(a.settings, "ana", uri, lambda _: replace(later, title="Moved seminar"))
    await settle(a, b)
    copy = await b.object(uri)
    assert copy is not None and copy.name == "Moved seminar" and copy.raw is not None
    assert copy.raw["startTime"] == f"{NEXT_YEAR}-07-01T09:00:00+01:00"  # summer time
    async with b.sessions() as session:
        times = await session.get(EventTime, copy.id)
    assert times is not None and times.start_at.hour == 8  # UTC
    await ops.delete_event(a.settings, "ana", uri)
    await settle(a, b)
    copy = await b.object(uri)
    assert copy is not None and copy.deleted_at is not None
    async with b.sessions() as session:
        assert await session.get(EventTime, copy.id) is None
    async with httpx.AsyncClient(base_url=b.base) as on_b:
        listed = (await on_b.get("/search", params={"kind": "events"}, headers=JSON)).json()
    assert listed["results"] == []


async def test_the_follow_path_still_works_beside_event_answers(make_node: NodeFactory) -> None:
    """An Accept of a Follow is still a Follow's: the event hook lets it through."""
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana", manual=False)
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    async with b.sessions() as session:
        follows = (await session.execute(select(Attendance))).scalars().all()
    assert follows == []
    bruno, ana = await b.actor("bruno"), await b.resolve(f"ana@{a.domain}")
    from compagnon.storage.queries import follows as follow_queries

    async with b.sessions() as session:
        row = await follow_queries.get(session, bruno.id, ana.id)
    assert row is not None and row.state == "accepted"


async def test_ics_parses_back_with_its_times_and_zone(make_node: NodeFactory) -> None:
    a = await make_node("a")
    await a.create_user("ana")
    uri = await publish(
        a,
        "ana",
        replace(
            SEMINAR, start=datetime(NEXT_YEAR, 7, 1, 9, 0), end=datetime(NEXT_YEAR, 7, 1, 17, 0)
        ),
    )
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{uri}/event.ics")
        page = (await http.get(uri)).text
        missing = await http.get(f"{a.base}/objects/nothing/event.ics")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    assert answer.headers["Content-Disposition"].endswith('.ics"')
    assert f'href="{uri}/event.ics"' in page
    assert missing.status_code == 404

    calendar = Calendar.from_ical(answer.content)
    (entry,) = calendar.walk("VEVENT")
    lisbon = ZoneInfo("Europe/Lisbon")
    start, end = entry.decoded("DTSTART"), entry.decoded("DTEND")
    assert start == datetime(NEXT_YEAR, 7, 1, 9, 0, tzinfo=lisbon)
    assert end - start == timedelta(hours=8)
    assert entry["DTSTART"].params["TZID"] == "Europe/Lisbon"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Lisbon"]
    assert str(entry["SUMMARY"]) == SEMINAR.title
    assert str(entry["UID"]) == uri
    assert "Rua da Escola 12" in str(entry["LOCATION"])

    await ops.delete_event(a.settings, "ana", uri)
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{uri}/event.ics")).status_code == 410


async def test_search_lists_events_upcoming_first(make_node: NodeFactory, backend: str) -> None:
    a = await make_node("a", backend=backend)
    await a.create_user("ana")
    now = datetime.now(ZoneInfo("Europe/Rome")).replace(tzinfo=None, microsecond=0)
    past = await publish(
        a,
        "ana",
        replace(
            SEMINAR,
            title="Past workshop",
            start=now - timedelta(days=30),
            end=now - timedelta(days=29),
        ),
    )
    later = await publish(
        a,
        "ana",
        replace(
            SEMINAR,
            title="Later multiplier event",
            start=now + timedelta(days=60),
            end=now + timedelta(days=60, hours=3),
            timezone="Europe/Rome",
        ),
    )
    soon = await publish(
        a,
        "ana",
        replace(
            SEMINAR,
            title="Soon online",
            place="",
            address="",
            online="https://meet.example.org/x",
            start=now + timedelta(days=2),
            end=now + timedelta(days=2, hours=1),
            timezone="Europe/Rome",
        ),
    )
    async with httpx.AsyncClient(base_url=a.base) as http:
        listed = (await http.get("/search", params={"kind": "events"}, headers=JSON)).json()
        assert [r["id"] for r in listed["results"]] == [soon, later, past]
        words = {"kind": "events", "q": "MULTIPLIER"}
        found = (await http.get("/search", params=words, headers=JSON)).json()
        assert [r["id"] for r in found["results"]] == [later]
        translated = {"kind": "events", "q": "seminário"}
        found = (await http.get("/search", params=translated, headers=JSON)).json()
        assert len(found["results"]) == 3  # every one keeps the Portuguese title
        resources_page = await http.get("/search")
        assert 'href="/search?kind=events"' in resources_page.text
        page = await http.get("/search", params={"kind": "events"})
        assert page.status_code == 200 and "Soon online" in page.text and "past" in page.text
        bad = await http.get("/search", params={"kind": "events", "page": "0"})
        assert bad.status_code == 400
        soon_page = (await http.get(soon)).text
    assert 'href="https://meet.example.org/x"' in soon_page


async def test_catalogue_sync_imports_events(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    uri = await publish(a, "ana")  # before anyone follows: only the outbox has it
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    copy = await b.object(uri)
    assert copy is not None and copy.type == "Event"
    async with httpx.AsyncClient(base_url=b.base) as on_b:
        listed = (await on_b.get("/search", params={"kind": "events"}, headers=JSON)).json()
    assert [r["id"] for r in listed["results"]] == [uri]
    assert listed["results"][0]["timezone"] == "Europe/Lisbon"


def run_cli(*argv: str) -> None:
    from compagnon.cli import main

    main(list(argv))


async def test_cli_creates_edits_lists_answers_and_names_mistakes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = ["--config", f"{tmp_path}/node.toml", "--data-dir", f"{tmp_path}/data"]
    await asyncio.to_thread(run_cli, "user", "create", "ana", *conf)
    await asyncio.to_thread(run_cli, "user", "create", "rui", *conf)
    capsys.readouterr()
    base = ["event", "create", "ana", "--title", "Seminar", "--timezone", "Europe/Lisbon"]
    for extra, message in (
        (["--start", "2027-03-01T18:00", "--end", "2027-03-01T09:00"], "ends before it starts"),
        (
            [
                "--start",
                "2027-03-01T09:00",
                "--end",
                "2027-03-01T10:00",
                "--timezone",
                "Mars/Olympus",
            ],
            "Unknown time zone",
        ),
        (
            ["--start", "2027-03-01T09:00", "--end", "2027-03-01T10:00", "--online", "ftp://x"],
            "http:// or https://",
        ),
        (["--start", "tomorrow", "--end", "2027-03-01T10:00"], "--start must be a local date"),
        (
            ["--start", "2027-03-01T09:00", "--end", "2027-03-01T10:00", "--capacity", "0"],
            "capacity",
        ),
    ):
        with pytest.raises(SystemExit, match=message):
            await asyncio.to_thread(run_cli, *base, *extra, *conf)
    await asyncio.to_thread(
        run_cli,
        *base,
        "--start",
        f"{NEXT_YEAR}-03-01T09:00",
        "--end",
        f"{NEXT_YEAR}-03-01T12:00",
        "--place",
        "Setúbal",
        "--capacity",
        "10",
        "--language",
        "pt",
        *conf,
    )
    uri = capsys.readouterr().out.strip()
    assert uri.startswith("http")
    await asyncio.to_thread(run_cli, "event", "edit", "ana", uri, "--title", "Seminário", *conf)
    await asyncio.to_thread(run_cli, "event", "attend", "rui", uri, "yes", *conf)
    assert "rui: going" in capsys.readouterr().out
    await asyncio.to_thread(run_cli, "event", "list", *conf)
    listed = capsys.readouterr().out
    assert "Seminário" in listed and "1/10" in listed and uri in listed
    await asyncio.to_thread(run_cli, "event", "attendees", uri, *conf)
    assert "going\trui@" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="not an event of rui"):
        await asyncio.to_thread(run_cli, "event", "delete", "rui", uri, *conf)
    nothing = uri.rsplit("/", 1)[0] + "/nothing"
    with pytest.raises(SystemExit, match="There is no event at"):
        await asyncio.to_thread(run_cli, "event", "attend", "rui", nothing, "yes", *conf)
    with pytest.raises(SystemExit, match="Not an http"):
        await asyncio.to_thread(run_cli, "event", "attend", "rui", "javascript:x", "no", *conf)
    await asyncio.to_thread(run_cli, "event", "delete", "ana", uri, *conf)
    await asyncio.to_thread(run_cli, "event", "list", *conf)
    assert "no events" in capsys.readouterr().out


async def answers_by_actor(node: Node, uri: str) -> dict[str, str]:
    async with node.sessions() as session:
        rows = await event_queries.attendees(session, uri)
    return {actor.uri: row.state for actor, row in rows}


async def replies_to(node: Node, activity_uri: str) -> list[str]:
    """Types of the local activities whose object is `activity_uri`."""
    async with node.sessions() as session:
        rows = await session.execute(
            select(Activity.type).where(
                Activity.object_uri == activity_uri, Activity.is_local.is_(True)
            )
        )
    return list(rows.scalars())


async def test_mobilizon_join_and_leave_are_answers_too(make_node: NodeFactory) -> None:
    """Mobilizon says "going" with Join and expects Accept (a place) or Reject (full) of it;
    Leave withdraws; an Undo of an answer withdraws it too."""
    a = await make_node("a")
    await a.create_user("ana")
    uri = await publish(a, "ana", replace(SEMINAR, capacity=1))
    zoe, yann = await RemoteActor().start(), await RemoteActor().start()
    try:
        async with aiohttp.ClientSession() as client:
            for who in (zoe, yann):
                join = {
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": f"{who.base}/join/1",
                    "type": "Join",
                    "actor": who.uri,
                    "object": uri,
                }
                assert await who.post(client, f"{a.base}/inbox", join) == 202
                await settle(a)
            assert await answers_by_actor(a, uri) == {zoe.uri: "going", yann.uri: "refused"}
            assert await replies_to(a, f"{zoe.base}/join/1") == ["Accept"]
            assert await replies_to(a, f"{yann.base}/join/1") == ["Reject"]
            leave = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{zoe.base}/leave/1",
                "type": "Leave",
                "actor": zoe.uri,
                "object": uri,
            }
            assert await zoe.post(client, f"{a.base}/inbox", leave) == 202
            await settle(a)
            assert await answers_by_actor(a, uri) == {yann.uri: "refused"}
            # Friendica's way: an answer, then an Undo of it (embedded) withdraws it.
            maybe = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{zoe.base}/maybe/1",
                "type": "TentativeAccept",
                "actor": zoe.uri,
                "object": uri,
            }
            assert await zoe.post(client, f"{a.base}/inbox", maybe) == 202
            await settle(a)
            assert (await answers_by_actor(a, uri))[zoe.uri] == "maybe"
            undo = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{zoe.base}/undo/1",
                "type": "Undo",
                "actor": zoe.uri,
                "object": {k: v for k, v in maybe.items() if k != "@context"},
            }
            assert await zoe.post(client, f"{a.base}/inbox", undo) == 202
            await settle(a)
        assert await answers_by_actor(a, uri) == {yann.uri: "refused"}
    finally:
        await zoe.stop()
        await yann.stop()
