"""A trainer publishes, edits and deletes a learning resource from the web form (no CLI, no
JavaScript): mistakes shown beside their fields with the input kept, a preview that stores
nothing, and Create / Update / Delete reaching a second node over real HTTP."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from typing import Any

import aiohttp
from sqlalchemy import func, select

from compagnon.storage.models import Delivery, Media, Object
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle
from tests.support.resources import QUIZ, publish_resource
from tests.support.web import Browser, csrf_of, language_field
from tests.unit.test_media_sniff import MINIMAL_PDF

BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"
BY_ND = "https://creativecommons.org/licenses/by-nd/4.0/"


def _form(token: str, **fields: Any) -> dict[str, Any]:
    return {
        "csrf": token,
        "action": "publish",
        "title": "Soudage MIG : les bases",
        "description": "Une fiche pour débuter en soudage.",
        "language": "fr",
        "url": "https://example.org/mig",
        "license": BY_SA,
        "visibility": "public",
        **fields,
    }


async def _count(node: Node, model: Any) -> int:
    async with node.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _post_new(web: Browser, **fields: Any) -> tuple[int, str, dict[str, str]]:
    token = csrf_of(await web.page("/resources/new"))
    return await web.post("/resources/new", _form(token, **fields))


def _error_beside(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert found is not None, f"no error shown beside {field}"
    return unescape(found.group(1))


async def test_every_mistake_is_shown_beside_its_field_with_the_input_kept(
    make_node: NodeFactory,
) -> None:
    node = await make_node("a")
    await node.create_user("ana")
    async with Browser(node) as web:
        assert await web.log_in("ana") == 303
        status, html, _ = await _post_new(
            web,
            title="",
            url="ftp://example.org/x",
            eqf="9",
            time_hours="two",
            license="",
            teaches="digcomp:9.9",
            occupations="not-an-occupation",
            keywords="soudure, MIG",
            tr_lang=["english"],
            tr_title=["MIG welding"],
        )
    assert status == 400
    assert "Give the resource a title" in _error_beside(html, "title")
    assert "https://" in _error_beside(html, "url")
    assert "1 to 8" in _error_beside(html, "eqf")
    assert _error_beside(html, "time")
    assert "Creative Commons" in _error_beside(html, "license")
    assert "digcomp:9.9" in _error_beside(html, "teaches")
    assert "not-an-occupation" in _error_beside(html, "occupations")
    assert "english" in _error_beside(html, "translations")
    # what was typed is all there
    for kept in ("Une fiche pour débuter en soudage.", "soudure, MIG", "MIG welding", "two"):
        assert kept in unescape(html)
    assert await _count(node, Object) == 0


async def test_a_preview_shows_the_page_and_stores_nothing(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("ana")
    async with Browser(node) as web:
        await web.log_in("ana")
        status, html, _ = await _post_new(
            web, action="preview", eqf="3", teaches="digcomp:1.1", time_minutes="45"
        )
    assert status == 200
    assert "Nothing is published yet" in html
    assert "<h1>Soudage MIG : les bases</h1>" in unescape(html)
    assert "EQF level 3" in html and "45 min" in html
    assert "Browsing, searching and filtering data" in html
    assert 'name="title" value="Soudage MIG : les bases"' in unescape(html)  # the form again
    assert (await _count(node, Object), await _count(node, Delivery)) == (0, 0)


async def test_a_resource_published_with_a_file_reaches_a_follower_then_is_edited_and_deleted(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    async with Browser(a) as web:
        await web.log_in("ana")
        token = csrf_of(await web.page("/resources/new"))
        data = aiohttp.FormData()
        for name, value in _form(token, eqf="3", audience="teacher", url="").items():
            data.add_field(name, value)
        data.add_field("file", MINIMAL_PDF, filename="fiche.pdf", content_type="application/pdf")
        status, _, headers = await web.post("/resources/new", data)
        assert status == 303, _
        uri = headers["Location"]
        await settle(a, b)

        copy = await b.object(uri)
        assert copy is not None and copy.raw is not None
        assert copy.raw["name"] == "Soudage MIG : les bases"
        assert copy.raw["attachment"][0]["mediaType"] == "application/pdf"
        assert await _count(a, Media) >= 1

        page = await web.page("/resources/edit?uri=" + uri)
        assert 'value="Soudage MIG : les bases"' in unescape(page)
        changed = _form(csrf_of(page), uri=uri, title="Soudage MIG : révisé", url="")
        changed["attachment"] = re.findall(r'name="attachment" value="([^"]+)"', page)
        assert 'name="visibility"' not in page
        del changed["visibility"]  # what the edit page sends: it has no such field
        status, body, _ = await web.post("/resources/edit", changed)
        assert status == 303, body
        await settle(a, b)
        copy = await b.object(uri)
        assert copy is not None and copy.raw is not None
        assert copy.raw["name"] == "Soudage MIG : révisé"
        assert copy.raw["attachment"], "the file is kept through the edit"

        assert "Delete" in await web.page("/resources/delete?uri=" + uri)
        token = csrf_of(await web.page("/home"))
        status, _, _ = await web.post("/resources/delete", {"csrf": token, "uri": uri})
        assert status == 303
        await settle(a, b)
        gone = await b.object(uri)
        assert gone is not None and gone.deleted_at is not None


async def test_only_the_author_may_edit_or_delete(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("ana")
    await node.create_user("carla")
    obj = await publish_resource(node, "ana", QUIZ)
    async with Browser(node) as web:
        await web.log_in("carla")
        page = await web.page(obj.uri.removeprefix(node.base))
        assert "Remix or translate" in page and "/resources/edit" not in page
        async with web.http.get(node.base + "/resources/edit?uri=" + obj.uri) as answer:
            assert answer.status == 403
            assert "Only the trainer who published" in await answer.text()
        token = csrf_of(await web.page("/home"))
        status, _, _ = await web.post("/resources/delete", {"csrf": token, "uri": obj.uri})
        assert status == 403
    assert (await node.object(obj.uri)).deleted_at is None  # type: ignore[union-attr]


async def test_remix_keeps_a_share_alike_licence_and_refuses_no_derivatives(
    make_node: NodeFactory,
) -> None:
    node = await make_node("a")
    await node.create_user("ana")
    await node.create_user("carla")
    sa = await publish_resource(node, "ana", replace(QUIZ, license=BY_SA))
    nd = await publish_resource(node, "ana", replace(QUIZ, license=BY_ND, title="Fixed"))
    async with Browser(node) as web:
        await web.log_in("carla")
        form = unescape(await web.page("/resources/new?based_on=" + sa.uri))
        assert f'<option value="{BY_SA}" selected>' in form
        assert f">{sa.uri}</textarea>" in form
        async with web.http.get(node.base + "/resources/new?based_on=" + nd.uri) as answer:
            assert answer.status == 403
            assert "NoDerivatives" in await answer.text()
        nd_page = await web.page(nd.uri.removeprefix(node.base))
        assert "Remix or translate" not in nd_page
        # a remix under another licence than the ShareAlike source's is refused beside the field
        status, html, _ = await _post_new(
            web, based_on=sa.uri, license="https://creativecommons.org/licenses/by/4.0/"
        )
        assert status == 400
        assert "ShareAlike" in _error_beside(html, "based_on")
        status, _, headers = await _post_new(web, based_on=sa.uri, license=BY_SA)
        assert status == 303
    remix = await node.object(headers["Location"])
    assert remix is not None and remix.raw is not None
    assert sa.uri in str(remix.raw["isBasedOn"])


async def test_vocabulary_pickers_answer_in_the_language_asked(make_node: NodeFactory) -> None:
    node = await make_node("a")
    async with aiohttp.ClientSession() as http:
        async with http.get(node.base + "/vocabularies/competences?q=browsing") as answer:
            found = await answer.json()
        assert found[0]["code"] == "digcomp:1.1"
        async with http.get(node.base + "/vocabularies/isced-f?q=0715&lang=fr") as answer:
            (field,) = await answer.json()
        assert field["code"] == "0715" and "mécanique" in field["label"].lower()
        async with http.get(node.base + "/vocabularies/passwords?q=a") as answer:
            assert answer.status == 404


async def test_a_peers_resource_is_remixed_from_its_page_and_its_author_hears_of_it(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    original = await publish_resource(a, "ana", replace(QUIZ, license=BY_SA))
    await settle(a, b)
    async with Browser(b) as web:
        await web.log_in("bruno")
        page = await web.page("/resource?uri=" + original.uri)
        assert "/resources/new?based_on=" in page and "/resources/edit" not in page
        form = unescape(await web.page("/resources/new?based_on=" + original.uri))
        assert f">{original.uri}</textarea>" in form
        assert QUIZ.title in form  # the source's description, to change
        status, body, headers = await web.post(
            "/resources/new",
            _form(
                csrf_of(form),
                based_on=original.uri,
                derivation="translation",
                title="Quiz de soudage",
                language="fr",
            ),
        )
        assert status == 303, body
    await settle(a, b)
    translation = await a.object(headers["Location"])
    assert translation is not None and translation.raw is not None
    assert original.uri in str(translation.raw["isBasedOn"])
    assert "translationOfWork" in str(translation.raw)


async def test_a_forged_or_unreadable_form_stores_nothing(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("ana")
    async with Browser(node) as web:
        await web.log_in("ana")
        await web.page("/resources/new")
        forged = aiohttp.FormData()
        forged.add_field("csrf", "not-the-token")
        forged.add_field("file", MINIMAL_PDF, filename="x.pdf", content_type="application/pdf")
        status, body, _ = await web.post("/resources/new", forged)
        assert status == 403 and "expired" in body
        latin1 = (
            b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\n'
            + "Soudage à l'arc".encode("latin-1")
            + b"\r\n--b--\r\n"
        )
        headers = {"Content-Type": "multipart/form-data; boundary=b"}
        status, body, _ = await web.post("/resources/new", latin1, headers=headers)
        assert status == 400 and "UTF-8" in body
    assert (await _count(node, Media), await _count(node, Object)) == (0, 0)


async def test_a_picture_is_published_only_with_its_description_and_its_author_edits_it(
    make_node: NodeFactory,
) -> None:
    from tests.unit.test_media_sniff import image_bytes

    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    async with Browser(a) as web:
        await web.log_in("ana")
        token = csrf_of(await web.page("/resources/new"))
        data = aiohttp.FormData()
        for name, value in _form(token, url="").items():
            data.add_field(name, value)
        data.add_field("file", image_bytes("PNG"), filename="torche.png", content_type="image/png")
        held = await _count(a, Object)
        status, page, _ = await web.post("/resources/new", data)
        assert status == 400
        assert await _count(a, Object) == held  # nothing published
        sha = re.search(r'name="alt_([0-9a-f]{64})"', page)
        assert sha is not None, "the page asks for the picture's description"
        # the message beside the picture's own box, which is marked
        assert "for people who cannot see it" in _error_beside(page, f"alt_{sha.group(1)}")
        assert f'aria-describedby="alt_{sha.group(1)}-error"' in page

        fields = _form(csrf_of(page), url="")
        fields["file_sha256"] = sha.group(1)
        fields[f"alt_{sha.group(1)}"] = "Une torche MIG tenue à 15° de la verticale"
        status, body, headers = await web.post("/resources/new", fields)
        assert status == 303, body
        await settle(a, b)
        copy = await b.object(headers["Location"])
        assert copy is not None and copy.raw is not None
        picture = copy.raw["attachment"][0]
        assert picture["mediaType"] == "image/png"
        assert picture["name"] == "Une torche MIG tenue à 15° de la verticale"

        # Editing: the description is there to correct, and the correction reaches the follower.
        uri = headers["Location"]
        page = unescape(await web.page("/resources/edit?uri=" + uri))
        box = f'name="alt_{sha.group(1)}" value="Une torche MIG tenue à 15° de la verticale"'
        assert box in page, "the edit form offers the picture's description"
        fields = _form(csrf_of(page), uri=uri, url="")
        del fields["visibility"]
        fields["file_sha256"] = sha.group(1)
        fields[f"alt_{sha.group(1)}"] = "Une torche MIG tenue à 45° de la pièce"
        status, body, _ = await web.post("/resources/edit", fields)
        assert status == 303, body
        await settle(a, b)
        copy = await b.object(uri)
        assert copy is not None and copy.raw is not None
        assert copy.raw["attachment"][0]["name"] == "Une torche MIG tenue à 45° de la pièce"
        assert "Une torche MIG tenue à 45° de la pièce" in unescape(
            await web.page("/resources/edit?uri=" + uri)
        )
        # an emptied description is refused beside its box, as when publishing
        fields[f"alt_{sha.group(1)}"] = ""
        status, body, _ = await web.post("/resources/edit", fields)
        assert status == 400
        assert "for people who cannot see it" in _error_beside(body, f"alt_{sha.group(1)}")


async def test_the_language_field_starts_in_the_trainer_s_own_language(
    make_node: NodeFactory,
) -> None:
    # A German node: German is no interface language, so pages speak English to whoever
    # asked for nothing, but a trainer writes in German there unless she chose otherwise.
    node = await make_node("a", languages="de,fr")
    await node.create_user("ana")
    await node.create_user("bruno")
    async with Browser(node) as web:
        await web.log_in("ana")
        settings = await web.page("/settings")
        form = {"csrf": csrf_of(settings), "action": "language", "language": "es"}
        assert (await web.post("/settings", form))[0] == 303
    async with Browser(node) as web:  # another day, another browser: her setting holds
        await web.log_in("ana")
        page = await web.page("/resources/new")
        assert language_field(page) == "es"
        # the field left empty: what she writes is still taken to be in her language
        status, _, headers = await web.post("/resources/new", _form(csrf_of(page), language=""))
        assert status == 303
    written = await node.object(headers["Location"])
    assert written is not None and written.raw is not None
    assert "es" in str(written.raw.get("inLanguage")), written.raw
    async with Browser(node) as web:
        await web.log_in("bruno")
        assert language_field(await web.page("/resources/new")) == "de"
    async with Browser(node) as web:
        web.http.headers["Accept-Language"] = "pt-BR, en;q=0.5"  # what her browser asks for
        await web.log_in("bruno")
        assert language_field(await web.page("/resources/new")) == "pt"
