"""Discovery as a peer sees it: WebFinger, host-meta, NodeInfo and actor documents."""

from __future__ import annotations

import httpx

from tests.conftest import NodeFactory

AP = "application/activity+json"


async def test_webfinger_finds_a_trainer_by_handle_and_by_url(make_node: NodeFactory) -> None:
    node = await make_node("a")
    alice = await node.create_user("alice")
    async with httpx.AsyncClient() as http:
        by_acct = await http.get(
            f"{node.base}/.well-known/webfinger", params={"resource": f"acct:alice@{node.domain}"}
        )
        by_url = await http.get(
            f"{node.base}/.well-known/webfinger", params={"resource": alice.uri}
        )
    assert by_acct.status_code == 200
    assert by_acct.headers["content-type"].startswith("application/jrd+json")
    jrd = by_acct.json()
    assert jrd["subject"] == f"acct:alice@{node.domain}"
    assert {"rel": "self", "type": AP, "href": alice.uri} in jrd["links"]
    assert by_url.json()["subject"] == jrd["subject"]


async def test_webfinger_answers_400_for_malformed_and_404_for_unknown(
    make_node: NodeFactory,
) -> None:
    node = await make_node("a")
    url = f"{node.base}/.well-known/webfinger"
    async with httpx.AsyncClient() as http:
        malformed = [
            await http.get(url, params={"resource": r})
            for r in ["", "alice", "acct:alice", "mailto:x@y"]
        ]
        missing = await http.get(url, params={"resource": "acct:nobody@" + node.domain})
        elsewhere = await http.get(url, params={"resource": "acct:alice@other.example"})
        no_param = await http.get(url)
    assert [r.status_code for r in malformed] == [400, 400, 400, 400]
    assert missing.status_code == 404
    assert elsewhere.status_code == 404
    assert no_param.status_code == 400
    assert "resource" in malformed[0].json()["error"]


async def test_actor_document_has_what_mastodon_needs(make_node: NodeFactory) -> None:
    node = await make_node("a")
    alice = await node.create_user("alice")
    async with httpx.AsyncClient() as http:
        response = await http.get(alice.uri, headers={"Accept": AP})
        page = await http.get(alice.uri, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(AP)
    doc = response.json()
    assert doc["id"] == alice.uri
    assert "https://www.w3.org/ns/activitystreams" in doc["@context"]
    assert "https://w3id.org/security/v1" in doc["@context"]
    assert doc["type"] == "Person"
    assert doc["preferredUsername"] == "alice"
    assert doc["published"].endswith("Z")
    for field in ("inbox", "outbox", "followers", "following", "url"):
        assert doc[field].startswith("http://")
    assert doc["endpoints"]["sharedInbox"] == f"{node.base}/inbox"
    assert doc["publicKey"]["id"] == f"{alice.uri}#main-key"
    assert doc["publicKey"]["owner"] == alice.uri
    assert doc["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert doc["manuallyApprovesFollowers"] is False
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "@alice@" in page.text


async def test_centre_and_instance_actors(make_node: NodeFactory) -> None:
    node = await make_node("a", country="PT", languages="pt-PT,en")
    async with httpx.AsyncClient() as http:
        centre = (await http.get(f"{node.base}/users/centre", headers={"Accept": AP})).json()
        instance = (await http.get(f"{node.base}/actor", headers={"Accept": AP})).json()
    assert centre["type"] == "Organization"
    assert centre["name"] == "Centre a"
    assert centre["addressCountry"] == "PT"
    assert centre["schema:knowsLanguage"] == ["pt-PT", "en"]
    assert instance["type"] == "Application"
    assert instance["id"] == f"{node.base}/actor"
    assert instance["publicKey"]["owner"] == instance["id"]


async def test_host_meta_and_nodeinfo(make_node: NodeFactory) -> None:
    node = await make_node("a", country="PT", node_kind="centre")
    await node.create_user("alice")
    await node.post("alice", "Bom dia")
    async with httpx.AsyncClient() as http:
        host_meta = await http.get(f"{node.base}/.well-known/host-meta")
        links = (await http.get(f"{node.base}/.well-known/nodeinfo")).json()
        info = (await http.get(links["links"][0]["href"])).json()
    assert "/.well-known/webfinger?resource={uri}" in host_meta.text
    assert links["links"][0]["rel"] == "http://nodeinfo.diaspora.software/ns/schema/2.1"
    assert info["version"] == "2.1"
    assert info["software"]["name"] == "compagnon"
    assert info["protocols"] == ["activitypub"]
    assert info["usage"]["users"]["total"] == 1
    assert info["usage"]["localPosts"] == 1
    assert info["metadata"]["nodeKind"] == "centre"
    assert info["metadata"]["country"] == "PT"


async def test_collections_are_paged(make_node: NodeFactory) -> None:
    node = await make_node("a", outbox_page_size=20)
    alice = await node.create_user("alice")
    for n in range(25):
        await node.post("alice", f"post {n}")
    await node.post("alice", "only followers", visibility="followers")
    async with httpx.AsyncClient() as http:
        outbox = (await http.get(alice.outbox, headers={"Accept": AP})).json()
        first = (await http.get(outbox["first"], headers={"Accept": AP})).json()
        second = (await http.get(first["next"], headers={"Accept": AP})).json()
        followers = (await http.get(alice.followers_url, headers={"Accept": AP})).json()
    assert outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == 25
    assert first["type"] == "OrderedCollectionPage"
    assert first["id"] == outbox["first"]
    contents = [a["object"]["content"] for a in first["orderedItems"] + second["orderedItems"]]
    assert len(contents) == 25
    assert contents[0] == "<p>post 24</p>"
    assert not any("only followers" in c for c in contents)
    assert followers["totalItems"] == 0


async def test_an_outbox_page_stays_under_half_a_megabyte(make_node: NodeFactory) -> None:
    """Long posts end a page early, so a peer's 1 MB fetch cap never cuts the catalogue."""
    node = await make_node("a")
    alice = await node.create_user("alice")
    for n in range(12):
        await node.post("alice", f"long post {n} " + "words of a long module description " * 1500)
    async with httpx.AsyncClient() as http:
        outbox = (await http.get(alice.outbox, headers={"Accept": AP})).json()
        pages = [await http.get(outbox["first"], headers={"Accept": AP})]
        while "next" in (doc := pages[-1].json()) and len(pages) < 10:
            pages.append(await http.get(doc["next"], headers={"Accept": AP}))
    assert len(pages) > 1
    assert all(len(page.content) < 600_000 for page in pages)
    contents = [a["object"]["content"] for p in pages for a in p.json()["orderedItems"]]
    assert [c.split(" words")[0] for c in contents] == [
        f"<p>long post {n}" for n in reversed(range(12))
    ]


async def test_cached_remote_actor_is_refreshed_after_a_day(make_node: NodeFactory) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from compagnon.storage.models import Actor, utcnow

    a, b = await make_node("a"), await make_node("b")
    ana = await a.create_user("ana")
    assert (await b.resolve(ana.uri)).name == "ana"
    async with a.sessions.begin() as session:
        await session.execute(update(Actor).where(Actor.uri == ana.uri).values(name="Ana Silva"))
    assert (await b.resolve(ana.uri)).name == "ana"  # fresh cache: no refetch
    async with b.sessions.begin() as session:
        await session.execute(
            update(Actor)
            .where(Actor.uri == ana.uri)
            .values(fetched_at=utcnow() - timedelta(days=2))
        )
    assert (await b.resolve(ana.uri)).name == "Ana Silva"
    await a.stop()
    async with b.sessions.begin() as session:
        await session.execute(
            update(Actor)
            .where(Actor.uri == ana.uri)
            .values(fetched_at=utcnow() - timedelta(days=2))
        )
    assert (await b.resolve(ana.uri)).name == "Ana Silva"  # peer down: the cache still serves
