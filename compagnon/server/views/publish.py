"""Publishing, editing and deleting learning resources from the web (no CLI needed).

`/resources/new` is one plain form in sections (what, for whom, competences, licence,
preview) that works without JavaScript; static/publish.js turns the sections into steps,
the code lists into search-as-you-type pickers over `/vocabularies/{name}` and uploads the
file with a progress bar through `POST /media`. "Preview" renders the resource page from the
form (nothing stored, nothing sent); "Publish" goes through the operation the CLI uses
(operations.publish_resource_in). A mistake sends the form back with every field kept and
each message beside its field. `/resources/edit` and `/resources/delete` do the same for an
author's own resource (operations.edit_resource_in / delete_resource_in: the Update or
Delete is federated exactly as `compagnon resource edit|delete` does). A "Remix or
translate" link on every resource page opens the form prefilled with isBasedOn.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import aiohttp_jinja2
from aiohttp import BodyPartReader, web
from multidict import MultiDict, MultiDictProxy

from compagnon import operations
from compagnon.domain.licence_rules import conditions, may_derive
from compagnon.domain.resources import Attachment, LearningResource
from compagnon.domain.safe_urls import http_url
from compagnon.domain.vocabulary_pickers import PICKERS, choices, search
from compagnon.federation.resource_convert import resource_from_document
from compagnon.i18n import _, current_language
from compagnon.media import library
from compagnon.media.store import MediaError, is_sha256
from compagnon.server import auth, language
from compagnon.server.forms import error_page, expired_message, read_form
from compagnon.server.keys import FEDERATION, MEDIA, SESSIONS, SETTINGS, WORKER
from compagnon.server.views import publish_form as forms
from compagnon.server.views import resources as resource_views
from compagnon.server.views.media import MALFORMED, MULTIPART_OVERHEAD
from compagnon.server.views.social import page_context
from compagnon.storage.models import Actor, Object, User, utcnow
from compagnon.storage.queries import objects as object_queries

MAX_FIELDS = 400  # translations and audiences are repeated fields
MAX_FIELD_BYTES = 64 * 1024
FILE_FIELD = "file"


# --- reading the form, with its file --------------------------------------------------------


class _Upload:
    """The file sent with the form (without JavaScript), stored as `POST /media` stores it."""

    def __init__(self) -> None:
        self.sha256: str | None = None
        self.error: str | None = None


async def _text(request: web.Request, part: BodyPartReader) -> str:
    data = bytearray()
    while chunk := await part.read_chunk(16 * 1024):
        data += chunk
        if len(data) > MAX_FIELD_BYTES:
            raise error_page(request, 413, _("A field of the form is too long."))
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise error_page(request, 400, _("The form could not be read: send it as UTF-8.")) from None


async def _store(request: web.Request, part: BodyPartReader, user: User, upload: _Upload) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await part.read_chunk(256 * 1024):
            yield chunk

    try:
        media, _new = await library.add(
            request.app[SESSIONS],
            request.app[MEDIA],
            chunks(),
            name=part.filename or "file",
            uploader_id=user.actor_id,
            max_bytes=request.app[SETTINGS].max_upload_bytes,
        )
    except MediaError as exc:
        upload.error = _("{name}: {reason}", name=part.filename or "file", reason=str(exc))
        return
    upload.sha256 = media.sha256


async def _read(request: web.Request, user: User) -> tuple[MultiDictProxy[str], _Upload]:
    """The form's fields (a 400/403/413 page when it cannot be read or is forged), and the
    file sent with it, stored once the CSRF token before it was checked."""
    upload = _Upload()
    if request.content_type != "multipart/form-data":
        return await read_form(request, max_fields=MAX_FIELDS), upload
    settings = request.app[SETTINGS]
    cap = settings.form_max_bytes + settings.max_upload_bytes + MULTIPART_OVERHEAD
    if request.content_length is not None and request.content_length > cap:
        raise error_page(request, 413, _("The form is too large."))
    fields: MultiDict[str] = MultiDict()
    text_bytes = 0
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or len(fields) >= MAX_FIELDS:
                raise error_page(request, 400, _("The form could not be read."))
            if part.name == FILE_FIELD and part.filename is not None:
                if not part.filename:
                    await part.release()  # the file field left empty
                    continue
                if not auth.check_csrf(request, fields.get("csrf", "")):
                    raise error_page(request, 403, expired_message())
                await _store(request, part, user, upload)
                await part.release()
                continue
            value = await _text(request, part)
            if "\x00" in value or "\x00" in (part.name or ""):
                raise error_page(request, 400, _("The form could not be read."))
            fields.add(part.name or "", value)
            text_bytes += len(value.encode())
            if text_bytes > settings.form_max_bytes:  # sent in chunks, without a length
                raise error_page(
                    request,
                    413,
                    _("The form is too large (at most {n} bytes).", n=settings.form_max_bytes),
                )
    except MALFORMED:
        raise error_page(request, 400, _("The form could not be read: it broke off.")) from None
    return MultiDictProxy(fields), upload


# --- rendering --------------------------------------------------------------------------------


def _language() -> str:
    return current_language.get()


async def _render(
    request: web.Request,
    user: User,
    form: forms.ResourceForm,
    *,
    editing: Object | None = None,
    files: list[Attachment] | None = None,
    notice: str = "",
    status: int = 200,
    preview: dict[str, Any] | None = None,
) -> web.StreamResponse:
    lang = _language()
    blank = {"lang": "", "title": "", "description": ""}
    context = await page_context(
        request,
        user,
        form=form,
        values=form.values,
        errors=form.errors,
        translation_rows=[*form.translations, blank],
        chosen=forms.chosen_labels(form.values, lang),
        kept_files=files or [],
        editing=editing,
        notice=notice,
        node_languages=request.app[SETTINGS].language_list,
        vocab={name: choices(name, lang) for name in PICKERS if name != "competences"},
        visibilities=forms.VISIBILITIES,
        **(preview or {}),
    )
    template = "publish/preview.html" if preview else "publish/form.html"
    return aiohttp_jinja2.render_template(template, request, context, status=status)


async def _files(
    request: web.Request, values: dict[str, Any], before: LearningResource | None
) -> list[Attachment]:
    """The files the form keeps: those stored here (by hash) and, on an edit, the others
    the resource had."""
    base = request.app[SETTINGS].base_url
    found = []
    async with request.app[SESSIONS]() as session:
        for sha256 in values["file_sha256"]:
            media = await library.find(session, sha256) if is_sha256(sha256) else None
            if media is not None:
                # A picture is named by its description (alt text, as Mastodon reads `name`);
                # any other file by its file name.
                alt = values.get("alts", {}).get(sha256, "")
                name = alt if media.media_type.startswith("image/") else media.name
                found.append(Attachment(base + media.url_path, media.media_type, name, media.size))
    had = {a.url: a for a in before.attachments} if before else {}
    found += [had[url] for url in values["attachment"] if url in had]
    # An edit keeps the files in their order (the first picture is the one shown first),
    # the new ones after them.
    order = {url: position for position, url in enumerate(had)}
    found.sort(key=lambda a: order.get(a.url, len(order)))
    return list({a.url: a for a in found}.values())


async def _me(request: web.Request, user: User) -> Actor:
    async with request.app[SESSIONS]() as session:
        actor = await session.get(Actor, user.actor_id)
    assert actor is not None
    return actor


async def _preview(request: web.Request, user: User, resource: LearningResource) -> dict[str, Any]:
    """The context resource.html needs, from the form alone (nothing stored)."""
    base = request.app[FEDERATION].urls.base
    lang = request.app[SETTINGS].language_list[0]
    now = utcnow()
    return {
        "resource": resource,
        "obj": SimpleNamespace(uri="", is_local=True, published=now, updated=None),
        "author": await _me(request, user),
        "languages": resource_views._languages(resource),
        "licence": resource_views._licence(resource),
        "metadata": resource_views._metadata(resource, base, lang),
        "files": resource_views._files(resource, {}),  # no previews before publishing
        "lineage": None,
        "containing": [],
        "part_of": [(u, u) for u in resource.is_part_of],
        "amb_url": "",
        "amb_json": "",
    }


# --- the pages ------------------------------------------------------------------------------


def _fresh_values(request: web.Request, user: User) -> dict[str, Any]:
    empty = MultiDictProxy(MultiDict[str]())
    values = forms.values_from(empty)
    values.update(language=language.writing_language(request, user), visibility="public")
    return values


async def new_form(request: web.Request) -> web.StreamResponse:
    """GET /resources/new, and ?based_on=URL to remix or translate a resource."""
    user = await auth.signed_in_user(request)
    values = _fresh_values(request, user)
    notice = ""
    source_uri = request.query.get("based_on", "").strip()
    if source_uri:
        if http_url(source_uri) is None:
            raise error_page(request, 400, _("Give the address of the resource to remix."))
        async with request.app[SESSIONS]() as session:
            source = await object_queries.by_uri(session, source_uri)
        if source is not None and source.type == "LearningResource" and source.raw is not None:
            original = resource_from_document(source.raw)
            if "nd" in _conditions(original.license):
                refusal = may_derive(original.license, original.license).reason
                raise error_page(request, 403, refusal)
            values = forms.values_of(replace(original, url="", attachments=()))
            values["attachment"] = []
            notice = _(
                "You are remixing or translating “{title}”: change what you need, then publish. "
                "Its licence is kept, as its terms may require.",
                title=original.title,
            )
        values["based_on"] = source_uri
        values["derivation"] = request.query.get("as", "remix")
    return await _render(request, user, forms.ResourceForm(values), notice=notice)


def _conditions(licence: str) -> frozenset[str]:
    return conditions(licence) or frozenset()


async def new_post(request: web.Request) -> web.StreamResponse:
    """POST /resources/new: `action` is preview, publish or add_translation."""
    user = await auth.signed_in_user(request)
    return await _submitted(request, user, edit=False)


async def _submitted(request: web.Request, user: User, *, edit: bool) -> web.StreamResponse:
    fields, upload = await _read(request, user)
    if not auth.check_csrf(request, fields.get("csrf", "")):
        raise error_page(request, 403, expired_message())
    before: LearningResource | None = None
    editing = await _own(request, user, fields.get("uri", "")) if edit else None
    if editing is not None:
        assert editing.raw is not None
        before = resource_from_document(editing.raw)
    form = forms.ResourceForm(forms.values_from(fields))
    if editing is not None:  # an edit keeps who can see it: its form has no field for that
        form.values["visibility"] = editing.visibility
    if upload.sha256:
        form.values["file_sha256"].append(upload.sha256)
    if upload.error:
        form.error("file", upload.error)
    files = await _files(request, form.values, before)
    action = fields.get("action", "preview")
    boxed = {sha for sha in form.values["file_sha256"] if is_sha256(sha)}
    for picture in files if action != "add_translation" else []:
        if (picture.media_type or "").startswith("image/") and not picture.name:
            sha = picture.url.rsplit("/media/", 1)[-1][:64]
            if sha in boxed and picture.url.endswith(f"/media/{sha}"):
                form.error(  # beside the picture's own box
                    f"alt_{sha}",
                    _(
                        "Describe each picture in a few words for people who cannot see it "
                        "(the box under it)."
                    ),
                )
            else:  # kept from elsewhere, it has no box here: said by the buttons
                form.error(
                    "pictures",
                    _(
                        "The picture {address} has no description, and only a picture sent "
                        "to this node can be described here: untick it, or add it again as a "
                        "file and describe it.",
                        address=picture.url,
                    ),
                )
    if action == "add_translation":
        return await _render(request, user, form, editing=editing, files=files)
    resource = forms.resource_from(form, tuple(files), language.writing_language(request, user))
    if resource is None:
        return await _render(request, user, form, editing=editing, files=files, status=400)
    if action != "publish":
        preview = await _preview(request, user, resource)
        return await _render(request, user, form, editing=editing, files=files, preview=preview)
    ctx = request.app[FEDERATION]
    checked = form.values.get("licence_checked") == "on"
    try:
        if editing is None:
            uri = await operations.publish_resource_in(
                ctx, user.username, resource, form.values["visibility"], licence_checked=checked
            )
        else:
            uri = await operations.edit_resource_in(
                ctx, user.username, editing.uri, lambda _before: resource, licence_checked=checked
            )
    except operations.OperationError as exc:
        form.error("based_on" if resource.sources else "general", str(exc))
        return await _render(request, user, form, editing=editing, files=files, status=400)
    request.app[WORKER].wake()
    raise web.HTTPSeeOther(uri)


async def _own(request: web.Request, user: User, uri: str) -> Object:
    """The resource at `uri`, when `user` wrote it: 404 when there is none, 403 otherwise."""
    async with request.app[SESSIONS]() as session:
        obj = await object_queries.by_uri(session, uri.strip()) if uri.strip() else None
    if obj is None or obj.deleted_at is not None or obj.type != "LearningResource":
        raise error_page(request, 404, _("There is no such learning resource here."))
    if obj.actor_id != user.actor_id or not obj.is_local or obj.raw is None:
        raise error_page(
            request, 403, _("Only the trainer who published this resource can edit or delete it.")
        )
    return obj


async def edit_form(request: web.Request) -> web.StreamResponse:
    """GET /resources/edit?uri=: the form of one of my resources, filled in."""
    user = await auth.signed_in_user(request)
    obj = await _own(request, user, request.query.get("uri", ""))
    assert obj.raw is not None
    resource = resource_from_document(obj.raw)
    values = forms.values_of(resource)
    values["visibility"] = obj.visibility
    forms.pictures_stored_here(values, resource, request.app[SETTINGS].base_url)
    return await _render(
        request, user, forms.ResourceForm(values), editing=obj, files=list(resource.attachments)
    )


async def edit_post(request: web.Request) -> web.StreamResponse:
    user = await auth.signed_in_user(request)
    return await _submitted(request, user, edit=True)


async def delete_form(request: web.Request) -> web.StreamResponse:
    """GET /resources/delete?uri=: asks before deleting (a page, no script needed)."""
    user = await auth.signed_in_user(request)
    obj = await _own(request, user, request.query.get("uri", ""))
    assert obj.raw is not None
    context = await page_context(request, user, obj=obj, resource=resource_from_document(obj.raw))
    return aiohttp_jinja2.render_template("publish/delete.html", request, context)


async def delete_post(request: web.Request) -> web.StreamResponse:
    user = await auth.signed_in_user(request)
    form = await read_form(request)
    if not auth.check_csrf(request, form.get("csrf", "")):
        raise error_page(request, 403, expired_message())
    obj = await _own(request, user, form.get("uri", ""))
    ctx = request.app[FEDERATION]
    await operations.delete_resource_in(ctx.sessions, ctx.urls, user.username, obj.uri)
    request.app[WORKER].wake()
    raise web.HTTPSeeOther("/home")


async def vocabulary_search(request: web.Request) -> web.StreamResponse:
    """GET /vocabularies/{name}?q=wel&lang=fr: up to 20 {code, label}, labels in `lang`
    (else the page's language, English where the vocabulary has no such labels)."""
    name = request.match_info["name"]
    if name not in PICKERS:
        return web.json_response({"error": _("No such vocabulary.")}, status=404)
    lang = request.query.get("lang", "").strip()[:12] or _language()
    found = search(name, request.query.get("q", ""), lang)
    return web.json_response([{"code": c.code, "label": c.label} for c in found])
