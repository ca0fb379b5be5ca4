"""The XSS corpus stored three ways on a real node: a hostile peer's signed Creates through the
inbox and the worker, its outbox through catalogue sync, and rows written straight into the
database (what an older version, without the URL rule, would have stored)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import select

from compagnon.federation import catalogue
from compagnon.federation.search_index import index_stored
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Actor, Object, TimelineEntry, User
from compagnon.storage.queries import follows
from tests.support.hostile_peer import RUN, UNSAFE_URLS, HostilePeer, unsafe_id
from tests.support.nodes import Node, settle


@dataclass
class Scene:
    node: Node
    peer: HostilePeer
    reader: Actor  # tina, a local trainer who follows the hostile actor
    mallory: Actor  # the hostile actor, as stored here
    post: Object  # one of tina's own posts (its page and her profile are visited)
    refused_ids: list[str]


async def prepare(node: Node, peer: HostilePeer) -> Scene:
    """tina, her first post, and her follow of the hostile actor (so its posts reach her home
    timeline by every path)."""
    tina = await node.create_user("tina")
    post = await node.post("tina", "Checklist for the welding workshop")
    mallory = await node.resolve(peer.actor)
    async with node.sessions.begin() as session:
        await follows.upsert(
            session, tina.id, mallory.id, f"{tina.uri}#follows-mallory", "accepted"
        )
    return Scene(node, peer, tina, mallory, post, [])


async def through_inbox(scene: Scene) -> None:
    """The corpus as signed Creates to the shared inbox, applied by the worker."""
    for obj in scene.peer.corpus("inbox", [scene.reader.uri]):
        inbox = f"{scene.node.base}/inbox"
        assert await scene.peer.post_to(inbox, scene.peer.create(obj)) == 202
        if not obj["id"].startswith("http"):
            scene.refused_ids.append(obj["id"])
    await settle(scene.node)


async def through_sync(scene: Scene) -> None:
    """The corpus as the hostile actor's outbox, imported by catalogue sync."""
    assert scene.node.app is not None
    corpus = scene.peer.corpus("sync", [])
    scene.peer.outbox_items = [scene.peer.create(obj) for obj in corpus]
    scene.refused_ids += [o["id"] for o in corpus if not o["id"].startswith("http")]
    await catalogue.queue_sync(scene.node.app[FEDERATION], scene.peer.actor)
    await settle(scene.node)


async def stored_before_the_rule(scene: Scene) -> None:
    await plant_old_rows(scene.node, scene.mallory, scene.reader)


# Each adds at most 20 posts to tina's home timeline (a page): visit the pages after each.
STAGES = [through_inbox, through_sync, stored_before_the_rule]


async def store_corpus(node: Node, peer: HostilePeer) -> Scene:
    scene = await prepare(node, peer)
    for stage in STAGES:
        await stage(scene)
    return scene


async def plant_old_rows(node: Node, mallory: Actor, tina: Actor) -> None:
    """Rows as a node without the URL rule stored them: unsafe ids and urls, in tina's home
    timeline and in the search index; tina's own profile URL made unsafe too."""
    now = datetime.now(UTC)
    async with node.sessions.begin() as session:
        user_id = await session.scalar(select(User.id).where(User.actor_id == tina.id))
        planted = []
        for n, url in enumerate([*UNSAFE_URLS, None]):
            uri = unsafe_id(mallory.domain, 100 + n) if url is None else f"{mallory.uri}/old/{n}"
            raw: dict[str, Any] = {
                "id": uri,
                "type": ["Note", "LearningResource"],
                "attributedTo": mallory.uri,
                "name": f"old resource {n}",
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "url": url,
                "license": url,
            }
            obj = Object(
                uri=uri,
                type="LearningResource",
                actor_id=mallory.id,
                is_local=False,
                visibility="public",
                content=f"<p>old post {n}</p>",  # content was sanitised then too
                name=f"old resource {n}",
                url=url,
                recipients={"to": raw["to"], "cc": []},
                raw=raw,
                published=now,
            )
            session.add(obj)
            planted.append(obj)
        await session.flush()
        session.add_all(TimelineEntry(user_id=user_id, object_id=o.id) for o in planted)
        await index_stored(session, planted)
        local = await session.get(Actor, tina.id)
        assert local is not None
        local.url = f"javascript:{RUN}"


class Links(HTMLParser):
    """Every URL-valued attribute of a page: (tag, attribute, value)."""

    ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "poster", "srcset"})

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in self.ATTRIBUTES and value is not None:
                self.found.append((tag, name, value))


def urls_in_page(html: str) -> list[tuple[str, str, str]]:
    parser = Links()
    parser.feed(html)
    return parser.found


def is_harmless(url: str) -> bool:
    """An http(s) URL, a path of our own (`/search?...`) or a place on the same page (the
    skip link's `#main`): nothing a browser runs."""
    return (
        url.startswith(("http://", "https://"))
        or (url.startswith("/") and not url.startswith("//"))
        or re.fullmatch(r"#[A-Za-z][\w-]*", url) is not None
    )


def strings_in(value: Any) -> list[str]:
    """Every string of a JSON document."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


def looks_unsafe(text: str) -> bool:
    lowered = "".join(text.split()).lower()
    return any(word in lowered for word in ("javascript", "vbscript:", "data:text", "&#106;"))
