""" "My settings" (/settings) over real HTTP, and its commands: profile, avatar, password,
interface language. A profile change reaches a follower on another node as an Update."""

from __future__ import annotations

import io
import re
from pathlib import Path

import aiohttp
import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from compagnon.federation import accounts
from compagnon.storage.models import Activity, Actor, User
from compagnon.storage.queries import actors as actor_queries
from tests.conftest import NodeFactory
from tests.integration.test_cli import node_args, run_cli  # noqa: F401 (a fixture)
from tests.support.catalogues import use_tiny_catalogues
from tests.support.nodes import Node, settle
from tests.support.oai import NS, ask, publish_resource
from tests.support.web import PASSWORD, Browser, csrf_of


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (11, 110, 79)).save(out, "PNG")
    return out.getvalue()


async def signed_in(node: Node, username: str) -> Browser:
    browser = Browser(node)
    assert await browser.log_in(username) == 303
    return browser


async def _account(node: Node, username: str) -> tuple[User, Actor]:
    async with node.sessions() as session:
        user = await actor_queries.user_by_username(session, username)
        assert user is not None
        actor = await session.get(Actor, user.actor_id)
        assert actor is not None
    return user, actor


async def test_settings_need_a_signed_in_person(make_node: NodeFactory) -> None:
    node = await make_node("a")
    url = node.base + "/settings"
    async with aiohttp.ClientSession() as http, http.get(url, allow_redirects=False) as answer:
        assert answer.status == 303 and answer.headers["Location"] == "/login"


async def test_profile_is_saved_and_mistakes_are_named_per_field(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    async with await signed_in(node, "maria") as maria:
        page = await maria.page("/settings")
        assert "My settings" in page and 'name="display_name"' in page
        form = {
            "csrf": csrf_of(page),
            "action": "profile",
            "display_name": "Maria " + "x" * 200,
            "summary": "Welding trainer",
        }
        status, body, _ = await maria.post("/settings", form)
        assert status == 400
        assert "Display name: at most 100 characters." in body
        assert "Welding trainer" in body  # what was typed stays in the form
        status, _, headers = await maria.post("/settings", {**form, "display_name": "Maria S."})
        assert status == 303 and headers["Location"] == "/settings?saved=profile"
        assert "Your profile is saved" in await maria.page("/settings?saved=profile")
        assert "Welding trainer" in await maria.page("/@maria")
    _user, actor = await _account(node, "maria")
    assert actor.name == "Maria S." and "Welding trainer" in actor.summary


async def test_the_password_changes_only_with_the_current_one(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    async with await signed_in(node, "maria") as maria:
        token = csrf_of(await maria.page("/settings"))
        form = {
            "csrf": token,
            "action": "password",
            "current_password": "not my password",
            "new_password": "a new long password",
            "new_password_again": "a new long password",
        }
        status, body, _ = await maria.post("/settings", form)
        assert status == 400 and "Current password: this is not your password." in body
        assert "a new long password" not in body  # passwords are never sent back
        status, body, _ = await maria.post(
            "/settings", {**form, "current_password": PASSWORD, "new_password_again": "other"}
        )
        assert status == 400 and "New password again: the two passwords differ." in body
        status, body, _ = await maria.post(
            "/settings", {**form, "current_password": PASSWORD, "new_password": "short"}
        )
        assert status == 400 and "New password: at least 8 characters." in body
        user, _actor = await _account(node, "maria")
        assert accounts.check_password(user, PASSWORD)  # nothing changed so far
        status, _, _ = await maria.post("/settings", {**form, "current_password": PASSWORD})
        assert status == 303
    user, _actor = await _account(node, "maria")
    assert accounts.check_password(user, "a new long password")
    assert user.password_hash.startswith("$argon2")
    async with Browser(node) as again:
        assert await again.log_in("maria", "a new long password") == 303


async def _upload(browser: Browser, data: bytes, name: str) -> tuple[int, str]:
    form = aiohttp.FormData()
    form.add_field("csrf", csrf_of(await browser.page("/settings")))
    form.add_field("avatar", data, filename=name, content_type="application/octet-stream")
    status, body, _ = await browser.post("/settings/avatar", form)
    return status, body


async def test_the_avatar_must_be_an_image_and_is_scaled_down(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    async with await signed_in(node, "maria") as maria:
        status, body = await _upload(maria, b"<svg onload=alert(1)></svg>", "me.png")
        assert status == 400 and "Avatar: choose an image (PNG, JPEG, GIF or WebP)." in body
        status, body = await _upload(maria, b"%PDF-1.4\n%%EOF\n", "me.jpg")
        assert status == 400 and "Avatar: choose an image" in body
        _user, actor = await _account(node, "maria")
        assert actor.icon_url is None
        status, _ = await _upload(maria, png(1200, 800), "me.png")
        assert status == 303
        _user, actor = await _account(node, "maria")
        assert actor.icon_url is not None and actor.icon_url.startswith(node.base + "/media/")
        async with maria.http.get(actor.icon_url) as answer:
            assert answer.headers["Content-Type"] == "image/webp"
            picture = Image.open(io.BytesIO(await answer.read()))
        assert picture.size == (400, 400)
        assert actor.icon_url in await maria.page("/settings")


async def test_a_profile_change_reaches_followers_on_another_node(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("bruno")
    await b.follow("bruno", f"maria@{a.domain}")
    await settle(a, b)
    async with await signed_in(a, "maria") as maria:
        form = {
            "csrf": csrf_of(await maria.page("/settings")),
            "action": "profile",
            "display_name": "Maria Santos",
            "summary": "MIG and TIG welding",
        }
        assert (await maria.post("/settings", form))[0] == 303
        await settle(a, b)  # (two Updates sent together may arrive in either order)
        assert (await _upload(maria, png(64, 64), "me.png"))[0] == 303
    await settle(a, b)
    _user, mine = await _account(a, "maria")
    async with b.sessions() as session:
        copy = await actor_queries.by_uri(session, mine.uri)
        updates = (
            await session.scalars(
                select(Activity).where(Activity.type == "Update", Activity.actor_uri == mine.uri)
            )
        ).all()
    assert len(updates) == 2  # the profile, then the avatar
    assert copy is not None and copy.name == "Maria Santos"
    assert "MIG and TIG welding" in copy.summary and copy.icon_url == mine.icon_url


async def test_unticking_the_listing_box_takes_her_out_of_harvests_and_tells_followers(
    make_node: NodeFactory,
) -> None:
    """The box of the profile form (saved with it): unticked, her resources leave the OAI-PMH
    repository (as deleted records) and the sitemap, and her follower's node reads her Update
    saying `indexable: false`; ticked again, she is back. A profile form without the box
    (a page from before it) leaves her consent alone."""
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("nina")
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"nina@{a.domain}")
    await settle(a, b)
    hers = await publish_resource(a, "nina", "Withdrawn worksheet")
    kept = await publish_resource(a, "ana", "Kept worksheet")

    async def harvested(http: httpx.AsyncClient) -> tuple[dict[str | None, str | None], str]:
        listed = await ask(http, a, "verb=ListIdentifiers&metadataPrefix=oai_dc")
        headers = listed.xpath("//oai:header", namespaces=NS)
        oai = {h.findtext("oai:identifier", namespaces=NS): h.get("status") for h in headers}
        return oai, (await http.get(f"{a.base}/sitemap.xml")).text

    async def save(maria: Browser, **box: str) -> str:
        page = await maria.page("/settings")
        form = {
            "csrf": csrf_of(page),
            "action": "profile",
            "display_name": "Nina",
            "summary": "Masonry",
            **box,
        }
        assert (await maria.post("/settings", form))[0] == 303
        return page

    async with httpx.AsyncClient() as http, await signed_in(a, "nina") as nina:
        page = await save(nina, listed_box="1", listed="on")
        assert 'name="listed" value="on" aria-describedby="listed-hint" checked' in page
        oai, sitemap = await harvested(http)
        assert oai == {hers.uri: None, kept.uri: None} and hers.uri in sitemap

        await save(nina, listed_box="1")  # the box unticked
        assert 'name="listed" value="on" aria-describedby="listed-hint">' in await nina.page(
            "/settings"
        )
        oai, sitemap = await harvested(http)
        assert oai == {hers.uri: "deleted", kept.uri: None}
        assert hers.uri not in sitemap and kept.uri in sitemap
        await settle(a, b)
        _user, mine = await _account(a, "nina")
        async with b.sessions() as session:
            copy = await actor_queries.by_uri(session, mine.uri)
        assert copy is not None and copy.indexable is False and copy.discoverable is False
        assert copy.name == "Nina"

        await save(nina)  # an old page's form, without the box: nothing changes
        assert (await harvested(http))[0][hers.uri] == "deleted"

        await save(nina, listed_box="1", listed="on")
        oai, sitemap = await harvested(http)
        assert oai == {hers.uri: None, kept.uri: None} and hers.uri in sitemap
        await settle(a, b)
        async with b.sessions() as session:
            copy = await actor_queries.by_uri(session, mine.uri)
        assert copy is not None and copy.indexable is not False


def test_the_commands_do_the_same(
    node_args: list[str],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_cli(["init", *node_args, "--admin-password-stdin"], capsys, "s3cret-admin", monkeypatch)
    run_cli(
        ["user", "create", "maria", "--password-stdin", *node_args],
        capsys,
        "a-long-pw",
        monkeypatch,
    )
    out = run_cli(
        [
            "user",
            "set-profile",
            "maria",
            "--display-name",
            "Maria S.",
            "--summary",
            "Welding",
            *node_args,
        ],
        capsys,
    )
    assert "maria: profile saved, sent to followers" in out
    picture = tmp_path / "me.png"
    picture.write_bytes(png(500, 500))
    out = run_cli(["user", "set-avatar", "maria", str(picture), *node_args], capsys)
    assert re.search(r"maria: avatar http://\S+/media/[0-9a-f]{64}", out), out
    picture.write_text("not an image")
    with pytest.raises(SystemExit, match="Avatar: choose an image"):
        run_cli(["user", "set-avatar", "maria", str(picture), *node_args], capsys)
    out = run_cli(["user", "set-password", "maria", *node_args], capsys, "another-pw", monkeypatch)
    assert "maria: password changed" in out
    with pytest.raises(SystemExit, match="New password: at least 8 characters"):
        run_cli(["user", "set-password", "maria", *node_args], capsys, "short", monkeypatch)
    out = run_cli(["user", "set-language", "maria", "ar", *node_args], capsys)
    assert "maria: interface language ar" in out
    out = run_cli(["user", "set-language", "maria", "auto", *node_args], capsys)
    assert "as the browser asks" in out
    with pytest.raises(SystemExit):
        run_cli(["user", "set-language", "nobody", "fr", *node_args], capsys)


def test_the_commands_speak_the_chosen_language(
    node_args: list[str],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_tiny_catalogues(monkeypatch, tmp_path)
    run_cli(["init", *node_args, "--admin-password-stdin"], capsys, "s3cret-admin", monkeypatch)
    out = run_cli(["--language", "fr", "user", "set-language", "admin", "ar", *node_args], capsys)
    assert out == "admin : langue de l'interface ar\n"
    monkeypatch.setenv("COMPAGNON_LANGUAGE", "fr")
    out = run_cli(["user", "set-language", "admin", "pt", *node_args], capsys)
    assert out == "admin : langue de l'interface pt\n"
    out = run_cli(["--language", "en", "user", "set-language", "admin", "pt", *node_args], capsys)
    assert out == "admin: interface language pt\n"
    with pytest.raises(SystemExit, match="language must be one of"):
        run_cli(["--language", "tlh", "user", "list", *node_args], capsys)
