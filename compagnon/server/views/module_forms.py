"""Building modules and learning journeys from the web, signed in, without JavaScript.

`/modules` lists the trainer's own; `/modules/new` (`?kind=journey` for a journey) and
`/modules/edit?uri=` show one form (title and description in the primary language and in
translations, licence, a module's items or a journey's three phases); `/modules/items` adds,
removes and moves one item (buttons on the module's page, and "Add to module" on a resource's
page); `/modules/delete` deletes. Each does what `compagnon module` / `compagnon journey` do,
through operations/collections.py, in the request's transaction: saving queues the Create,
Update, Add or Remove (the worker delivers).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from compagnon.domain.collections import (
    JOURNEY,
    KINDS,
    MODULE,
    PHASES,
    Collection,
    Journey,
    Module,
    Phase,
    field_problems,
    normalised,
    phase_label,
)
from compagnon.domain.resources import Translation
from compagnon.domain.safe_urls import http_url
from compagnon.i18n import _
from compagnon.operations import OperationError
from compagnon.operations import collections as ops
from compagnon.server import auth
from compagnon.server.forms import error_page, read_checked_form, translation_rows
from compagnon.server.keys import FEDERATION, SESSIONS, WORKER
from compagnon.server.language import writing_language
from compagnon.server.views import collections as collection_views
from compagnon.server.views.social import page_context
from compagnon.storage.models import Actor, Object, User
from compagnon.storage.queries import collections as collection_queries
from compagnon.storage.queries import objects as object_queries

VISIBILITIES = ("public", "unlisted", "followers")
TRANSLATION_SLOTS = 3  # empty rows for new translations; more after saving
# Rows of translations a form shows (read_form takes at most 50 fields); the ones past it,
# made with the CLI, are kept as they are when the form is saved.
MAX_TRANSLATION_ROWS = 7
MAX_LINES = 500  # items typed one per line


def _kind_label(kind: str) -> str:
    return _("Learning journey") if kind == JOURNEY else _("Training module")


# --- the form's values, both ways ----------------------------------------------------------


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())[: MAX_LINES + 1]


def values_of(value: Collection) -> dict[str, Any]:
    """What the form shows for a saved module or journey."""
    found: dict[str, Any] = {
        "title": value.title,
        "language": value.language,
        "description": value.description,
        "license": value.license,
        "translations": [
            {"language": t.language, "title": t.title, "description": t.description}
            for t in value.translations
        ],
    }
    if isinstance(value, Module):
        found["items"] = "\n".join(value.items)
    else:
        phases = {p.key: p for p in value.phases}
        for key in PHASES:
            phase = phases.get(key, Phase(key=key))
            found[f"name_{key}"] = phase.name
            found[f"items_{key}"] = "\n".join(phase.items)
            found[f"outcome_{key}"] = phase.outcome or ""
    return found


def _posted_values(form: MultiDictProxy[str], kind: str) -> dict[str, Any]:
    """What the trainer sent, kept as typed (shown again when something is wrong)."""
    text = {name: str(form.get(name, "")) for name in ("title", "language", "description")}
    found: dict[str, Any] = {**text, "license": str(form.get("license", ""))}
    found["visibility"] = str(form.get("visibility", "public"))
    found["translations"] = translation_rows(form)
    if kind == MODULE:
        found["items"] = str(form.get("items", ""))
    else:
        for key in PHASES:
            for part in ("name", "items", "outcome"):
                found[f"{part}_{key}"] = str(form.get(f"{part}_{key}", ""))
    return found


def _value_from(values: dict[str, Any], kind: str) -> tuple[Collection, list[tuple[str, str]]]:
    """The module or journey the form describes, and the mistakes of its own (a translation
    without a language, too many lines) before the domain's checks."""
    mistakes: list[tuple[str, str]] = []
    translations = []
    for t in values["translations"]:
        if not t["language"].strip() or not t["title"].strip():
            mistakes.append(("translations", _("A translation needs its language and its title.")))
            continue
        translations.append(Translation(t["language"].strip(), t["title"], t["description"]))
    common = {
        "title": values["title"],
        "language": values["language"],
        "description": values["description"],
        "translations": tuple(translations),
        "license": values["license"],
    }
    if kind == MODULE:
        return Module(items=_lines(values["items"]), **common), mistakes
    phases = []
    for key in PHASES:
        items = _lines(values[f"items_{key}"])
        outcome = values[f"outcome_{key}"].strip() or None
        name = values[f"name_{key}"]
        if items or outcome or name.strip():
            phases.append(Phase(key=key, name=name, items=items, outcome=outcome))
    return Journey(phases=tuple(phases), **common), mistakes


def _errors_by_field(found: list[tuple[str, str]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field_name, sentence in found:
        errors.setdefault(field_name, []).append(sentence)
    return errors


async def _render_form(
    request: web.Request,
    user: User,
    *,
    kind: str,
    values: dict[str, Any],
    uri: str | None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> web.StreamResponse:
    shown = list(values["translations"])
    slots = shown + [{"language": "", "title": "", "description": ""}] * TRANSLATION_SLOTS
    context = await page_context(
        request,
        user,
        kind=kind,
        kind_label=_kind_label(kind),
        uri=uri,
        form=values,
        translation_rows=slots[: min(max(len(shown) + 1, TRANSLATION_SLOTS), MAX_TRANSLATION_ROWS)],
        phases=[(key, phase_label(key)) for key in PHASES],
        visibilities=VISIBILITIES,
        errors=errors or {},
    )
    return aiohttp_jinja2.render_template("modules/form.html", request, context, status=status)


# --- pages ---------------------------------------------------------------------------------


async def my_modules_page(request: web.Request) -> web.StreamResponse:
    """GET /modules: the trainer's modules and journeys, and links to make new ones."""
    user, actor = await auth.signed_in_actor(request)
    async with request.app[SESSIONS]() as session:
        rows = await collection_queries.of_actor(session, actor.id)
    context = await page_context(request, user, collections=rows)
    return aiohttp_jinja2.render_template("modules/list.html", request, context)


def _kind_asked(request: web.Request) -> str:
    return JOURNEY if request.query.get("kind", "") == "journey" else MODULE


async def new_form(request: web.Request) -> web.StreamResponse:
    """GET /modules/new[?kind=journey]"""
    user, _actor = await auth.signed_in_actor(request)
    kind = _kind_asked(request)
    language = writing_language(request, user)  # hers, not the node's, to start with
    empty = Module(title="", language=language) if kind == MODULE else Journey("", language)
    values = values_of(empty) | {"visibility": "public"}
    if kind == MODULE and http_url(request.query.get("item", "")):
        values["items"] = request.query["item"]  # "New module with this resource"
    return await _render_form(request, user, kind=kind, values=values, uri=None)


async def create(request: web.Request) -> web.StreamResponse:
    """POST /modules/new: publish, or the form again with each mistake by its field."""
    user, actor = await auth.signed_in_actor(request)
    form = await read_checked_form(request)
    kind = JOURNEY if form.get("kind") == JOURNEY else MODULE
    values = _posted_values(form, kind)
    value, mistakes = _value_from(values, kind)
    if values["visibility"] not in VISIBILITIES:
        mistakes.append(("visibility", _("Choose who can see it.")))
    mistakes += field_problems(normalised(value))
    if mistakes:
        return await _render_form(
            request,
            user,
            kind=kind,
            values=values,
            uri=None,
            errors=_errors_by_field(mistakes),
            status=400,
        )
    try:
        async with request.app[SESSIONS].begin() as session:
            obj = await ops.publish_in(
                session, request.app[FEDERATION].urls, actor.username, value, values["visibility"]
            )
    except OperationError as exc:
        return await _render_form(
            request, user, kind=kind, values=values, uri=None,
            errors={"": [str(exc)]}, status=400,
        )  # fmt: skip
    request.app[WORKER].wake()
    raise web.HTTPSeeOther(obj.uri)


async def _own(request: web.Request, actor: Actor, uri: str) -> Object:
    """A live module or journey of the signed-in trainer, or a readable 404."""
    async with request.app[SESSIONS]() as session:
        obj = await object_queries.by_uri(session, uri.strip())
    if (
        obj is None
        or obj.type not in KINDS
        or obj.deleted_at is not None
        or obj.actor_id != actor.id
        or not obj.is_local
    ):
        raise error_page(request, 404, _("You have no module or journey at this address."))
    return obj


async def edit_form(request: web.Request) -> web.StreamResponse:
    """GET /modules/edit?uri="""
    user, actor = await auth.signed_in_actor(request)
    obj = await _own(request, actor, request.query.get("uri", ""))
    async with request.app[SESSIONS]() as session:
        value = await ops.current(session, actor.username, obj.uri, obj.type)
    return await _render_form(request, user, kind=obj.type, values=values_of(value), uri=obj.uri)


async def edit(request: web.Request) -> web.StreamResponse:
    """POST /modules/edit: one Update with the whole module or journey."""
    user, actor = await auth.signed_in_actor(request)
    form = await read_checked_form(request)
    obj = await _own(request, actor, str(form.get("uri", "")))
    values = _posted_values(form, obj.type)
    value, mistakes = _value_from(values, obj.type)
    mistakes += field_problems(normalised(value))
    if not mistakes:
        try:
            async with request.app[SESSIONS].begin() as session:
                saved = await ops.current(session, actor.username, obj.uri, obj.type)
                value = with_unshown_translations(value, saved)
                await ops.replace_in(
                    session, request.app[FEDERATION].urls, actor.username, obj.uri, value
                )
        except OperationError as exc:
            mistakes.append(("", str(exc)))
    if mistakes:
        return await _render_form(
            request, user, kind=obj.type, values=values, uri=obj.uri,
            errors=_errors_by_field(mistakes), status=400,
        )  # fmt: skip
    request.app[WORKER].wake()
    raise web.HTTPSeeOther(obj.uri)


def with_unshown_translations(value: Collection, saved: Collection) -> Collection:
    """The translations past the form's rows, kept (the form could not show them)."""
    given = {t.language for t in value.translations}
    kept = tuple(t for t in saved.translations[MAX_TRANSLATION_ROWS:] if t.language not in given)
    return replace(value, translations=value.translations + kept) if kept else value


async def delete(request: web.Request) -> web.StreamResponse:
    """POST /modules/delete: a Delete to whoever received it."""
    _user, actor = await auth.signed_in_actor(request)
    form = await read_checked_form(request)
    obj = await _own(request, actor, str(form.get("uri", "")))
    async with request.app[SESSIONS].begin() as session:
        await ops.delete_in(
            session, request.app[FEDERATION].urls, actor.username, obj.uri, obj.type
        )
    request.app[WORKER].wake()
    raise web.HTTPSeeOther("/modules")


ITEM_ACTIONS = ("add", "remove", "up", "down")


async def items(request: web.Request) -> web.StreamResponse:
    """POST /modules/items: `action` add | remove | up | down of `item` in the module (or the
    journey's `phase`) at `uri`. A module's Add and Remove travel as Add / Remove, exactly as
    `compagnon module add/remove`; a move, or a journey's change, as an Update."""
    _user, actor = await auth.signed_in_actor(request)
    form = await read_checked_form(request)
    obj = await _own(request, actor, str(form.get("uri", "")))
    action = str(form.get("action", ""))
    item = str(form.get("item", "")).strip()
    phase = str(form.get("phase", "")) if obj.type == JOURNEY else ""
    back = http_url(str(form.get("back", "")).strip())
    urls = request.app[FEDERATION].urls
    try:
        if action not in ITEM_ACTIONS:
            raise OperationError(_("Choose add, remove, up or down."))
        if not item:
            raise OperationError(_("Give the address of the resource."))
        if obj.type == JOURNEY and phase not in PHASES:
            raise OperationError(_("Choose the phase: before, during or after."))
        async with request.app[SESSIONS].begin() as session:
            if action in ("up", "down"):
                by = -1 if action == "up" else 1
                await ops.move_item_in(session, urls, actor.username, obj.uri, item, by, phase)
            elif obj.type == JOURNEY:
                await ops.change_phase_item_in(
                    session, urls, actor.username, obj.uri, phase, item, add=action == "add"
                )
            else:
                await ops.change_item_in(
                    session, urls, actor.username, obj.uri, item, add=action == "add"
                )
    except OperationError as exc:
        if back is not None and back != obj.uri:  # from a resource's page: say it there
            raise error_page(request, 400, str(exc)) from None
        async with request.app[SESSIONS]() as session:
            author = await session.get(Actor, obj.actor_id)
            fresh = await object_queries.by_uri(session, obj.uri)
        assert author is not None and fresh is not None
        return await collection_views.collection_page(
            request,
            fresh,
            author,
            error=str(exc),
            typed=item if action == "add" else "",  # kept in the add form, to correct
            typed_phase=phase,
            status=400,
        )
    request.app[WORKER].wake()
    if back is not None and back != obj.uri:
        raise web.HTTPSeeOther(_page_of(request, back) + "#add-to-module")
    raise web.HTTPSeeOther(obj.uri + "#items")


def _page_of(request: web.Request, uri: str) -> str:
    """Where a resource's page is: ours at its URL, a peer's at /resource?uri="""
    if request.app[FEDERATION].urls.is_ours(uri):
        return uri
    return "/resource?" + urlencode({"uri": uri})


async def choices_for(request: web.Request, item_uri: str) -> dict[str, Any] | None:
    """For a resource's page: the signed-in trainer's modules the resource is not in yet
    ("Add to module"); None for a visitor."""
    user = await auth.current_user(request)
    if user is None:
        return None
    async with request.app[SESSIONS]() as session:
        rows = await collection_queries.of_actor(session, user.actor_id, MODULE)
        containing = {c.uri for c in await collection_queries.containing(session, item_uri)}
    return {
        "modules": [(o.uri, o.name or o.uri) for o in rows if o.uri not in containing],
        "item": item_uri,
        "new": "/modules/new?" + urlencode({"item": item_uri}),
    }


ROUTES = [
    web.get("/modules", my_modules_page),
    web.get("/modules/new", new_form),
    web.post("/modules/new", create),
    web.get("/modules/edit", edit_form),
    web.post("/modules/edit", edit),
    web.post("/modules/items", items),
    web.post("/modules/delete", delete),
]
