"""Every URL of the node, in one table."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from compagnon.server import language
from compagnon.server.api import add_api_routes
from compagnon.server.views import (
    activitypub,
    admin,
    admin_peers,
    aggregate,
    app_shell,
    event_forms,
    events,
    export,
    handover,
    handover_feeds,
    handover_web,
    inbox,
    media,
    module_forms,
    pages,
    people,
    post_versions,
    publish,
    quiz,
    quiz_form,
    resources,
    search,
    settings,
    social,
    statistics,
    wellknown,
)
from compagnon.server.watch import views as watch

STATIC = Path(__file__).parent / "static"


def add_routes(app: web.Application) -> None:
    app.add_routes(
        [
            # discovery
            web.get("/.well-known/webfinger", wellknown.webfinger),
            web.get("/.well-known/host-meta", wellknown.host_meta),
            web.get("/.well-known/nodeinfo", wellknown.nodeinfo_links),
            web.get("/nodeinfo/2.1", wellknown.nodeinfo),
            # for the operator: liveness, readiness, Prometheus metrics (server/watch/)
            web.get("/healthz", watch.healthz),
            web.get("/readyz", watch.readyz),
            web.get("/metrics", watch.metrics),
            # ActivityPub documents (HTML for browsers on the same URLs)
            web.get("/actor", activitypub.instance_actor),
            # aggregator mode: the relay actor (FEP-ae0c)
            web.get("/relay", aggregate.relay_actor),
            web.get("/relay/followers", aggregate.relay_followers),
            web.get("/members", aggregate.members),
            web.get("/users/{username}", activitypub.actor),
            web.get("/users/{username}/outbox", activitypub.outbox),
            web.get("/users/{username}/followers", activitypub.followers),
            web.get("/users/{username}/following", activitypub.following),
            web.get("/objects/{object_id}", activitypub.object_document),
            web.get("/activities/{activity_id}", activitypub.activity_document),
            # learning resources: AMB records, and the page of one received from a peer
            web.get("/objects/{object_id}/amb", resources.amb_document),
            web.get("/resource", resources.remote_page),
            web.get("/resource/amb", resources.remote_amb),
            web.get("/objects/{object_id}/event.ics", events.event_ics),
            # publishing, editing and deleting resources from the web (views/publish.py)
            web.get("/resources/new", publish.new_form),
            web.post("/resources/new", publish.new_post),
            web.get("/resources/edit", publish.edit_form),
            web.post("/resources/edit", publish.edit_post),
            web.get("/resources/delete", publish.delete_form),
            web.post("/resources/delete", publish.delete_post),
            web.get("/vocabularies/{name}", publish.vocabulary_search),
            # handing the catalogue on: bulk export (views/export.py), statistics
            web.get("/export/amb", export.export_amb),
            web.get("/statistics", statistics.statistics_page),
            web.get("/statistics.json", statistics.statistics_json),
            web.get("/statistics/{table}.csv", statistics.statistics_csv),
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
            # interface language (the footer's switcher) and "My settings"
            web.post("/language", language.choose),
            web.get("/settings", settings.settings_page),
            web.post("/settings", settings.settings_post),
            web.post("/settings/avatar", settings.avatar_post),
            web.get("/home", pages.home_page),
            web.get("/search", search.search_page),
            # handed on to harvesters (compagnon/handover/)
            web.get("/oai", handover.oai_endpoint),
            web.post("/oai", handover.oai_endpoint),
            web.get("/sitemap.xml", handover_web.sitemap_xml),
            web.get("/sitemaps/{part}.xml", handover_web.sitemap_part),
            web.get("/robots.txt", handover_web.robots_txt),
            web.get("/feeds/search.{fmt:atom|rss}", handover_feeds.search_feed),
            web.get("/feeds/isced/{code}.{fmt:atom|rss}", handover_feeds.isced_feed),
            web.get("/feeds/eqf/{level}.{fmt:atom|rss}", handover_feeds.eqf_feed),
            web.get("/feeds/tags/{tag}.{fmt:atom|rss}", handover_feeds.tag_feed),
            web.get("/feeds/users/{handle}.{fmt:atom|rss}", handover_feeds.actor_feed),
            web.post("/compose", pages.compose),
            # questions (quizzes): any held here, and the vote form
            web.get("/questions", quiz.question_page),
            web.post("/questions/vote", quiz.vote),
            web.get("/questions/new", quiz_form.new_form),
            web.post("/questions/new", quiz_form.create),
            # the admin area (server/views/admin.py) and sign-up by invite
            web.get("/admin", admin.dashboard),
            web.post("/admin/statistics", admin.statistics_recount),
            web.get("/admin/accounts", admin.accounts_page),
            web.post("/admin/accounts", admin.accounts_post),
            web.post("/admin/invites", admin.invites_post),
            web.get("/admin/centre", admin.centre_page),
            web.post("/admin/centre", admin.centre_post),
            web.post("/admin/centre/logo", admin.centre_logo),
            web.get("/admin/peers", admin_peers.peers_page),
            web.post("/admin/peers", admin_peers.peers_post),
            web.post("/admin/peers/import", admin_peers.peers_import),
            web.get("/admin/deliveries", admin_peers.deliveries_page),
            web.post("/admin/deliveries", admin_peers.deliveries_post),
            web.get("/admin/reports", admin.reports_page),
            web.post("/admin/reports", admin.reports_post),
            web.get("/invite/{token}", admin.invite_form),
            web.post("/invite/{token}", admin.invite_accept),
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
            web.get("/post/versions", post_versions.versions_page),
            web.post("/report", social.report),
            web.get("/find", people.find),
            web.post("/follow", people.follow),
            web.post("/unfollow", people.unfollow),
            web.post("/follow/notify", people.notify_posts),
            web.post("/follow/shares", people.hide_shares),
            web.get("/follow-requests", people.requests_page),
            web.post("/follow-requests", people.answer_request),
            web.get("/notifications", social.notifications_page),
            web.static("/static", STATIC),
            # the installable web app: manifest, service worker, the page shown offline
            web.get("/manifest.webmanifest", app_shell.manifest),
            web.get("/sw.js", app_shell.service_worker),
            web.get("/offline", app_shell.offline_page),
            # uploaded files (content-addressed; the name is only for a nicer download)
            web.post("/media", media.upload),
            web.get("/media/{sha256}", media.serve),
            web.get("/media/{sha256}/{name}", media.serve),
            *module_forms.ROUTES,  # building modules and journeys
            *event_forms.ROUTES,  # creating events, answering them
        ]
    )
    add_api_routes(app)  # the Mastodon client API and its sign-in (server/api/)
