"""Every URL of the node, in one table."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from compagnon.server.views import activitypub, inbox, media, pages, search, social, wellknown

STATIC = Path(__file__).parent / "static"


def add_routes(app: web.Application) -> None:
    app.add_routes(
        [
            # discovery
            web.get("/.well-known/webfinger", wellknown.webfinger),
            web.get("/.well-known/host-meta", wellknown.host_meta),
            web.get("/.well-known/nodeinfo", wellknown.nodeinfo_links),
            web.get("/nodeinfo/2.1", wellknown.nodeinfo),
            # ActivityPub documents (HTML for browsers on the same URLs)
            web.get("/actor", activitypub.instance_actor),
            web.get("/users/{username}", activitypub.actor),
            web.get("/users/{username}/outbox", activitypub.outbox),
            web.get("/users/{username}/followers", activitypub.followers),
            web.get("/users/{username}/following", activitypub.following),
            web.get("/objects/{object_id}", activitypub.object_document),
            web.get("/activities/{activity_id}", activitypub.activity_document),
            # inboxes
            web.post("/inbox", inbox.post_inbox),
            web.post("/actor/inbox", inbox.post_inbox),
            web.post("/users/{username}/inbox", inbox.post_inbox),
            # pages
            web.get("/", pages.index),
            web.get("/@{username}", pages.profile_by_handle),
            web.get("/login", pages.login_form),
            web.post("/login", pages.login),
            web.post("/logout", pages.logout),
            web.get("/home", pages.home_page),
            web.get("/search", search.search_page),
            web.post("/compose", pages.compose),
            # social: timelines, posts of anyone held here, actions, notifications
            web.get("/centre", social.centre_page),
            web.get("/network", social.network_page),
            web.get("/tags/{tag}", social.tag_page),
            web.get("/view", social.view_page),
            web.post("/react", social.react),
            web.post("/reply", social.reply),
            web.get("/post/edit", social.edit_form),
            web.post("/post/edit", social.edit),
            web.post("/post/delete", social.delete_post),
            web.post("/report", social.report),
            web.get("/find", social.find),
            web.post("/follow", social.follow),
            web.post("/unfollow", social.unfollow),
            web.get("/follow-requests", social.requests_page),
            web.post("/follow-requests", social.answer_request),
            web.get("/notifications", social.notifications_page),
            web.static("/static", STATIC),
            # uploaded files (content-addressed; the name is only for a nicer download)
            web.post("/media", media.upload),
            web.get("/media/{sha256}", media.serve),
            web.get("/media/{sha256}/{name}", media.serve),
        ]
    )
