"""Events from the pages (issue #10): the form names each mistake by its field and keeps what
was typed; an event made, edited and deleted from the web reaches a follower's node; a
trainer there answers Going from the event's page on their own node, the answer travels as
Accept (as `compagnon event attend`) and the organiser's page counts it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from urllib.parse import quote

from sqlalchemy import select

from compagnon.federation.event_convert import event_from_document
from compagnon.operations import admin as admin_ops
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Activity
from compagnon.storage.queries import events as event_queries
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle
from tests.support.web import Browser, csrf_of, language_field

ERROR = re.compile(r'<span class="error" id="error-([a-z-]*)-\d+">([^<]*)</span>')
NEXT_YEAR = datetime.now().year + 1


def errors_of(page: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for field_name, text in ERROR.findall(page):
        found.setdefault(field_name, []).append(html.unescape(text))
    return found


def seminar(**changes: str) -> dict[str, str]:
    return {
        "title": "Welding safety seminar",
        "description": "Half a day on flashback arrestors.",
        "start": f"{NEXT_YEAR}-03-01T09:00",
        "end": f"{NEXT_YEAR}-03-01T13:30",
        "timezone": "Europe/Lisbon",
        "where": "place",
        "place": "Centro de Formação de Setúbal",
        "address": "Rua da Escola 12",
        "online": "",
        "language": "en",
        "capacity": "12",
        "tr_language_1": "pt-PT",
        "tr_title_1": "Seminário de segurança na soldadura",
        **changes,
    }


async def test_the_event_form_names_each_mistake_and_keeps_what_was_typed(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    await a.create_user("ana")
    async with Browser(a) as browser:
        assert await browser.log_in("ana") == 303
        page = await browser.page("/events/new")
        assert "<option selected>Europe/Lisbon</option>" in page
        bad = seminar(
            title="",
            start="tomorrow morning",
            timezone="Mars/Olympus_Mons",
            capacity="a dozen",
            language="Portuguese",
        )
        status, page, _ = await browser.post("/events/new", {"csrf": csrf_of(page), **bad})
        assert status == 400
        found = errors_of(page)
        assert found["title"] == ["An event needs a title."]
        assert "2027-03-01 09:00" in found["start"][0]
        assert "Mars/Olympus_Mons" in found["timezone"][0]
        assert found["capacity"] == ["The capacity is a number of places, or empty."]
        assert "BCP 47" in found["language"][0]
        for typed in ("Half a day on flashback arrestors.", 'value="tomorrow morning"',
                      'value="a dozen"', "Seminário de segurança na soldadura"):  # fmt: skip
            assert typed in html.unescape(page), typed

        later = seminar(end=f"{NEXT_YEAR}-03-01T08:00", where="online", online="ftp://x.example")
        status, page, _ = await browser.post("/events/new", {"csrf": csrf_of(page), **later})
        found = errors_of(page)
        assert status == 400 and "ends before it starts" in found["end"][0]
        assert "http:// or https://" in found["online"][0]
    async with a.sessions() as session:
        assert await event_queries.listing(session, now=datetime(2000, 1, 1, tzinfo=UTC)) == []


async def test_the_event_form_starts_on_the_centres_own_clock(make_node: NodeFactory) -> None:
    """A centre in Romania: a new event starts in Europe/Bucharest, not Lisbon's time."""
    a = await make_node("a")
    await a.create_user("ana")
    async with a.sessions.begin() as session:
        await admin_ops.update_centre(
            session,
            a.app[FEDERATION].urls,  # type: ignore[index]
            name="CFP Bucureşti",
            summary="",
            country="RO",
            languages=["ro"],
            icon_url=None,
        )
    async with Browser(a) as browser:
        assert await browser.log_in("ana") == 303
        page = await browser.page("/events/new")
        assert "<option selected>Europe/Bucharest</option>" in page
        assert page.count("<option selected>") == 1


async def answers_sent(node: Node, event_uri: str) -> list[str]:
    """The types of the activities the node sent about the event."""
    async with node.sessions() as session:
        rows = await session.execute(
            select(Activity.type).where(Activity.object_uri == event_uri, Activity.is_local)
        )
    return list(rows.scalars())


async def test_an_event_made_on_the_page_is_answered_from_the_peer(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await a.create_user("alice")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    async with Browser(a) as browser:
        assert await browser.log_in("ana") == 303
        token = csrf_of(await browser.page("/events/new"))
        status, page, headers = await browser.post("/events/new", {"csrf": token, **seminar()})
        assert status == 303, page
        uri = headers["Location"]
    await settle(a, b)
    copy = await b.object(uri)
    assert copy is not None and copy.raw is not None
    received = event_from_document(copy.raw)
    assert received is not None and received.capacity == 12
    assert received.start == datetime(NEXT_YEAR, 3, 1, 9, 0)

    # Bruno, on B, answers from B's page of the event: an Accept to the organiser.
    async with Browser(b) as bruno:
        assert await bruno.log_in("bruno") == 303
        page = await bruno.page(f"/view?uri={quote(uri, safe='')}")
        assert "Welding safety seminar" in page and "You have not answered yet." in page
        form = {"csrf": csrf_of(page), "uri": uri, "answer": "going"}
        status, _, headers = await bruno.post("/events/answer", form)
        assert status == 303 and headers["Location"].startswith("/view?uri=")
        page = await bruno.page(f"/view?uri={quote(uri, safe='')}")
        assert "You answered: Going" in page
        assert await answers_sent(b, uri) == ["Accept"]
        status, page, _ = await bruno.post("/events/answer", {**form, "answer": "perhaps"})
        assert status == 400 and "Choose Going, Maybe or Not going." in page
    await settle(a, b)

    # Alice, on A, says maybe; the organiser's page counts both.
    async with Browser(a) as alice:
        assert await alice.log_in("alice") == 303
        page = await alice.page(uri.removeprefix(a.base))
        form = {"csrf": csrf_of(page), "uri": uri, "answer": "maybe"}
        assert (await alice.post("/events/answer", form))[0] == 303
        page = await alice.page(uri.removeprefix(a.base))
        assert "You answered: Maybe" in page
        assert "1 going · 1 maybe · 0 not going" in page
        assert "12 places, 11 left" in page
        assert "Edit the event" not in page  # only the organiser edits

    # The organiser edits (online now, fewer places), then deletes: B follows.
    async with Browser(a) as browser:
        assert await browser.log_in("ana") == 303
        page = await browser.page(f"/events/edit?uri={quote(uri, safe='')}")
        assert f'value="{NEXT_YEAR}-03-01T09:00"' in page and 'value="12"' in page
        changed = seminar(where="online", online="https://meet.example.org/weld", capacity="5")
        status, page, _ = await browser.post(
            "/events/edit", {"csrf": csrf_of(page), "uri": uri, **changed}
        )
        assert status == 303, page
        await settle(a, b)
        copy = await b.object(uri)
        assert copy is not None and copy.raw is not None
        edited = event_from_document(copy.raw)
        assert edited is not None and edited.online == "https://meet.example.org/weld"
        assert edited.place == "" and edited.capacity == 5
        token = csrf_of(await browser.page(uri.removeprefix(a.base)))
        status, _, _ = await browser.post("/events/delete", {"csrf": token, "uri": uri})
        assert status == 303
    await settle(a, b)
    copy = await b.object(uri)
    assert copy is not None and copy.deleted_at is not None


async def test_the_event_form_starts_in_the_trainer_s_own_language(
    make_node: NodeFactory,
) -> None:
    # A German node (no interface language): a trainer who chose Spanish announces her
    # events in Spanish; one who chose nothing, in German, or in what his browser asks for.
    node = await make_node("a", languages="de,fr")
    await node.create_user("ana")
    await node.create_user("bruno")
    async with Browser(node) as web:
        await web.log_in("ana")
        settings = await web.page("/settings")
        form = {"csrf": csrf_of(settings), "action": "language", "language": "es"}
        assert (await web.post("/settings", form))[0] == 303
    async with Browser(node) as web:  # another browser: her setting holds
        await web.log_in("ana")
        page = await web.page("/events/new")
        assert language_field(page) == "es"
        # sent as it starts, the event is announced in her language
        fields = seminar(language=language_field(page))
        status, _, headers = await web.post("/events/new", {"csrf": csrf_of(page), **fields})
        assert status == 303
    written = await node.object(headers["Location"])
    assert written is not None and written.raw is not None
    assert written.raw["inLanguage"] == "es", written.raw
    async with Browser(node) as web:
        await web.log_in("bruno")
        assert language_field(await web.page("/events/new")) == "de"
    async with Browser(node) as web:
        web.http.headers["Accept-Language"] = "pt-BR, en;q=0.5"
        await web.log_in("bruno")
        assert language_field(await web.page("/events/new")) == "pt"
