"""A trainer's social life on the web, between real nodes over loopback HTTP: follow by
handle, posts arriving on home, like, share, reply, notifications, follow requests; the
timelines and their paging; hashtag pages; the pages fixed on main (signed-in header, 404
page, search links)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import func, select, update

from compagnon.federation.outbox import publish
from compagnon.operations import open_reports
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Follow, Object
from compagnon.storage.queries import actors as actor_queries
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle
from tests.support.resources import WELDING, publish_quiz, publish_resource
from tests.support.signin import sign_in

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
HTML = {"Accept": "text/html"}


def browser(node: Node) -> httpx.AsyncClient:
    # A bounded wait, longer than httpx's 5 s: a busy 2-core CI machine once took longer.
    return httpx.AsyncClient(base_url=node.base, headers=HTML, timeout=30)


async def csrf(http: httpx.AsyncClient, page: str = "/home") -> str:
    found = CSRF.search((await http.get(page)).text)
    assert found is not None, page
    return found.group(1)


async def send(http: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    answer = await http.post(path, data={**fields, "csrf": await csrf(http)})
    assert answer.status_code == 303, (path, answer.status_code, answer.text[:500])
    return answer


def view(uri: str) -> str:
    return "/view?uri=" + quote(uri, safe="")


async def test_follow_by_handle_then_like_share_and_reply_reach_the_author(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend), await make_node("b", backend)
    await a.create_user("maria")
    await b.create_user("joao")
    async with browser(b) as http:
        await sign_in(http, "joao")
        # Follow from the home form by handle; the profile then offers Unfollow.
        answer = await send(http, "/follow", handle=f"@maria@{a.domain}")
        assert answer.headers["Location"] == f"/@maria@{a.domain}"
        await settle(a, b)
        profile = (await http.get(f"/@maria@{a.domain}")).text
        assert "Unfollow" in profile and "Log in" not in profile

        post = await a.post("maria", "Soldadura MIG: the checklist is ready")
        await settle(a, b)
        home = (await http.get("/home")).text
        assert "Soldadura MIG: the checklist is ready" in home
        assert view(post.uri).replace("&", "&amp;") in home or view(post.uri) in home

        await send(http, "/react", uri=post.uri, kind="like")
        await send(http, "/react", uri=post.uri, kind="share")
        await send(
            http, "/reply", uri=post.uri, content="Thanks, using it on Monday", visibility="public"
        )
        page = (await http.get(view(post.uri))).text
        assert "Unlike" in page and "Unshare" in page
        assert "Thanks, using it on Monday" in page  # the thread, on the replier's node
        await settle(a, b)

    assert await a.reactions(post.uri) == {"like": 1, "announce": 1}
    async with browser(a) as http:
        await sign_in(http, "maria")
        header = (await http.get("/home")).text
        assert re.search(r'class="unread-count">4<', header), "follow, like, share, reply"
        notes = (await http.get("/notifications")).text
        for said in ("follows you", "liked your post", "shared your post", "replied to your post"):
            assert said in notes, said
        assert "unread-count" not in (await http.get("/home")).text  # read now
        thread = (await http.get(view(post.uri))).text
        assert "Thanks, using it on Monday" in thread

    async with browser(b) as http:  # undo: the like goes away on the author's node
        await sign_in(http, "joao")
        await send(http, "/react", uri=post.uri, kind="like", undo="1")
        await send(http, "/unfollow", actor=(await a.actor("maria")).uri)
        await settle(a, b)
    assert await a.reactions(post.uri) == {"announce": 1}
    async with a.sessions() as session:
        maria = await actor_queries.local_by_username(session, "maria")
        assert maria is not None
        followers = await session.scalar(
            select(func.count()).select_from(Follow).where(Follow.followee_id == maria.id)
        )
    assert followers == 0


async def test_home_shows_what_followed_trainers_share(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await b.create_user("rita")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    rita_post = await b.post("rita", "Bricklaying: mortar ratios, a table")
    await a.follow("maria", f"rita@{b.domain}")
    await settle(a, b)
    await a.react("maria", "Announce", rita_post.uri)
    await settle(a, b)
    async with browser(b) as http:
        await sign_in(http, "joao")
        home = (await http.get("/home")).text
    assert "maria shared" in home
    assert "Bricklaying: mortar ratios, a table" in home


async def test_follow_requests_wait_for_an_answer_on_a_page(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria", manual=True)
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    async with browser(a) as http:
        await sign_in(http, "maria")
        waiting = (await http.get("/follow-requests")).text
        assert "joao" in waiting
        assert "asks to follow you" in (await http.get("/notifications")).text
        joao = await b.actor("joao")
        answer = await http.post(
            "/follow-requests",
            data={
                "actor": joao.uri,
                "answer": "accept",
                "csrf": await csrf(http, "/follow-requests"),
            },
        )
        assert answer.status_code == 303
        assert "joao" not in (await http.get("/follow-requests")).text
    await settle(a, b)
    async with b.sessions() as session:
        state = await session.scalar(select(Follow.state))
    assert state == "accepted"


async def test_centre_network_and_home_read_newest_publication_first_with_older_pages(
    make_node: NodeFactory, backend: str
) -> None:
    """Found on main: /home stopped at 20 and showed an imported catalogue oldest first."""
    a = await make_node("a", backend)
    await a.create_user("maria")
    posts = [await a.post("maria", f"Post number {i}") for i in range(25)]
    # Arrival order is the opposite of publication order, as in an imported catalogue.
    async with a.sessions.begin() as session:
        first = posts[0].published
        for i, p in enumerate(posts):
            await session.execute(
                update(Object).where(Object.id == p.id).values(published=first - timedelta(hours=i))
            )
    async with browser(a) as http:
        await sign_in(http, "maria")
        for page in ("/home", "/centre", "/network"):
            text = (await http.get(page)).text
            shown = [int(n) for n in re.findall(r"Post number (\d+)", text)]
            assert shown == list(range(20)), page
            older = re.search(r'href="([^"]+)" rel="next">Older<', text)
            assert older is not None, page
            rest = (await http.get(older.group(1).replace("&amp;", "&"))).text
            assert [int(n) for n in re.findall(r"Post number (\d+)", rest)] == list(range(20, 25))
            assert 'rel="next"' not in rest


async def test_hashtag_pages_list_local_and_remote_posts(
    make_node: NodeFactory, backend: str
) -> None:
    """Found on main: /tags/welding (sent to peers in every resource) was a 404."""
    a, b = await make_node("a", backend), await make_node("b", backend)
    await a.create_user("maria")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    async with a.sessions.begin() as session:
        maria = await actor_queries.local_by_username(session, "maria")
        assert maria is not None
        remote = await publish.publish_resource(session, a.app[FEDERATION].urls, maria, WELDING)  # type: ignore[index]
    await publish_quiz(a, "maria")  # tagged #OER, not #welding
    await settle(a, b)
    async with b.sessions.begin() as session:
        joao = await actor_queries.local_by_username(session, "joao")
        assert joao is not None
        local = await publish.publish_resource(session, b.app[FEDERATION].urls, joao, WELDING)  # type: ignore[index]
    async with browser(b) as http:
        answer = await http.get("/tags/welding")
        assert answer.status_code == 200
        links = re.findall(r'href="/view\?uri=([^"]+)"', answer.text)
        assert quote(remote.uri, safe="") in links and quote(local.uri, safe="") in links
        assert "self-check quiz" not in answer.text
        assert (await http.get("/tags/Welding")).status_code == 200
        assert "Oxy-fuel" in (await http.get("/tags/WELDING")).text


async def test_pages_know_the_signed_in_trainer_and_404_is_a_page(make_node: NodeFactory) -> None:
    """Found on main: profile and object pages said "Log in" to a signed-in trainer; a 404
    was bare text."""
    a = await make_node("a")
    await a.create_user("maria")
    post = await a.post("maria", "Hello")
    async with browser(a) as http:
        await sign_in(http, "maria")
        for page in ("/@maria", "/users/maria", post.uri.removeprefix(a.base), view(post.uri)):
            text = (await http.get(page)).text
            assert "Log out" in text and ">Log in<" not in text, page
        for missing in ("/no/such/page", "/@nobody", view("http://127.0.0.1:1/objects/x")):
            answer = await http.get(missing)
            assert answer.status_code == 404
            assert answer.headers["Content-Type"].startswith("text/html")
            assert '<link rel="stylesheet" href="/static/site.css">' in answer.text
            assert "Not found" in answer.text and "Log out" in answer.text, missing
    async with httpx.AsyncClient(base_url=a.base) as peer:  # a peer still gets a short answer
        answer = await peer.get("/users/nobody", headers={"Accept": "application/activity+json"})
        assert answer.status_code == 404 and "<html" not in answer.text


async def test_an_unexpected_failure_is_a_page_for_a_person(
    make_node: NodeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug met in a browser: the site's page with the incident to quote, not raw JSON."""
    from compagnon.handover import charts

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    a = await make_node("a")
    await a.create_user("maria")
    monkeypatch.setattr(charts, "bar_chart", broken)
    async with browser(a) as http:
        await sign_in(http, "maria")
        answer = await http.get("/statistics")
        assert answer.status_code == 500
        assert answer.headers["Content-Type"].startswith("text/html")
        assert "Something went wrong" in answer.text and "incident number" in answer.text
        assert "Log out" in answer.text  # still signed in
        assert "RuntimeError" not in answer.text and "a bug" not in answer.text
        scripted = await http.get("/statistics", headers={"Accept": "application/json"})
        assert scripted.status_code == 500 and scripted.json()["status"] == 500


async def test_edit_delete_and_report_from_the_pages(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    async with browser(a) as http:
        await sign_in(http, "maria")
        await send(http, "/compose", content="First version", visibility="public")
        await settle(a, b)
        async with a.sessions() as session:
            uri = await session.scalar(select(Object.uri).where(Object.content.contains("First")))
        assert uri is not None
        assert "First version" in (await http.get(f"/post/edit?uri={quote(uri, safe='')}")).text
        await send(http, "/post/edit", uri=uri, content="Second version")
        await settle(a, b)
        copy = await b.object(uri)
        assert copy is not None and "Second version" in copy.content
        async with browser(b) as other:  # someone else's post cannot be edited
            await sign_in(other, "joao")
            answer = await other.post(
                "/post/edit", data={"uri": uri, "content": "x", "csrf": await csrf(other)}
            )
            assert answer.status_code == 403
            report = await other.post(
                "/report",
                data={"uri": uri, "comment": "spam", "forward": "1", "csrf": await csrf(other)},
            )
            assert report.status_code == 200 and "Report sent" in report.text
        await settle(a, b)
        await send(http, "/post/delete", uri=uri)
        await settle(a, b)
    copy = await b.object(uri)
    assert copy is not None and copy.deleted_at is not None
    assert [r["comment"] for r in await open_reports(a.settings)] == ["spam"]
    assert [r["comment"] for r in await open_reports(b.settings)] == ["spam"]


async def test_search_results_open_the_local_view(make_node: NodeFactory) -> None:
    """Found on main: a search result linked to the origin node, where the reader cannot
    reply or like."""
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    async with a.sessions.begin() as session:
        maria = await actor_queries.local_by_username(session, "maria")
        assert maria is not None
        remote = await publish.publish_resource(session, a.app[FEDERATION].urls, maria, WELDING)  # type: ignore[index]
    await settle(a, b)
    async with browser(b) as http:
        page = (await http.get("/search?q=oxy-fuel")).text
        assert f'href="{view(remote.uri)}"' in page
        assert "Oxy-fuel welding" in (await http.get(view(remote.uri))).text


async def test_a_followers_only_post_opens_for_its_readers_only(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await b.create_user("rita")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    post = await a.post("maria", "For my followers: the exam dates", visibility="followers")
    await settle(a, b)
    async with browser(b) as http:
        assert (await http.get(view(post.uri))).status_code == 404  # nobody signed in
        await sign_in(http, "rita")  # not a follower
        assert (await http.get(view(post.uri))).status_code == 404
        answer = await http.post(
            "/react", data={"uri": post.uri, "kind": "like", "csrf": await csrf(http)}
        )
        assert answer.status_code == 404
    async with browser(b) as http:
        await sign_in(http, "joao")
        page = await http.get(view(post.uri))
        assert page.status_code == 200 and "the exam dates" in page.text
        assert "Share" not in page.text  # a followers-only post is not shared onwards


async def test_mentions_here_and_from_another_node_are_notified(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await b.create_user("rita")
    await a.post("maria", f"@joao@{b.domain} the welding rubric", mentions=[f"joao@{b.domain}"])
    await settle(a, b)
    async with browser(b) as http:
        await sign_in(http, "rita")
        await send(http, "/compose", content=f"@joao@{b.domain} see you at 9", visibility="public")
    async with browser(b) as http:
        await sign_in(http, "joao")
        notes = (await http.get("/notifications")).text
    assert notes.count("mentioned you") == 2
    assert ">maria<" in notes and ">rita<" in notes


async def test_odd_paging_keys_are_refused_clearly(make_node: NodeFactory) -> None:
    a = await make_node("a")
    async with browser(a) as http:
        for before in ("253402300800000000", "4611686018427387904", "-1", "x"):
            answer = await http.get("/network", params={"before": before})
            assert answer.status_code == 400, before
            assert "before must be a whole number" in answer.text
        assert (
            await http.get("/network", params={"before": "253402300799000000"})
        ).status_code == 200
        assert (await http.get("/find", params={"handle": "not a handle"})).status_code in (
            302,
            303,
        )


async def test_a_refused_reply_comes_back_on_the_thread_with_its_text(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    await a.create_user("joao")
    post = await a.post("maria", "Who has a spare MIG torch?")
    async with browser(a) as http:
        await sign_in(http, "joao")
        text = f"Ask @nobody@ — I have one, and @ghost@{a.domain}"
        answer = await http.post(
            "/reply",
            data={
                "uri": post.uri,
                "content": text,
                "visibility": "unlisted",
                "csrf": await csrf(http),
            },
        )
        assert answer.status_code == 400
        page = answer.text
        assert "Who has a spare MIG torch?" in page  # the thread, not a dead end
        assert 'role="alert"' in page and "ghost" in page.split('role="alert"')[1][:300]
        assert f"{text}</textarea>" in page  # what was typed stays in the box
        assert '<option value="unlisted" selected>' in page
        assert "Log out" in page and "Log in" not in page

        empty = await http.post(
            "/reply", data={"uri": post.uri, "content": " ", "csrf": await csrf(http)}
        )
        assert empty.status_code == 400 and "Write something before publishing." in empty.text

        # any other refusal's page keeps the header of a signed-in person too
        odd = await http.post(
            "/react", data={"uri": post.uri, "kind": "frown", "csrf": await csrf(http)}
        )
        assert odd.status_code == 400 and "Log out" in odd.text and "Log in" not in odd.text
    async with a.sessions() as session:
        replies = await session.scalar(
            select(func.count()).select_from(Object).where(Object.in_reply_to == post.uri)
        )
    assert replies == 0


async def test_a_resource_on_a_timeline_shows_its_title_once(make_node: NodeFactory) -> None:
    """The content opens with the title in bold for Mastodon; the card's heading is enough."""
    a = await make_node("a")
    await a.create_user("maria")
    await publish_resource(a, "maria", WELDING)
    async with browser(a) as http:
        page = (await http.get("/centre")).text
    card = page.split('<article class="post"', 1)[1].split("</article>", 1)[0]
    assert card.count("Oxy-fuel welding: safety checklist") == 1
    assert '<h2 class="title" dir="auto">Oxy-fuel welding: safety checklist</h2>' in card
    assert "A one-page checklist before lighting the torch" in card  # the rest stays
