"""What a centre's admins and moderators do: invites, roles, suspension, peer policies, the
blocklist import, the delivery ledger, reports and the centre's profile.

Each function takes an open session (the caller owns the transaction), so the admin pages
(server/views/admin.py) and the CLI (cli/admin.py, through `operations.database`) run the
same code.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.config import Settings
from compagnon.federation import accounts
from compagnon.federation.convert import to_actor_document, wrap
from compagnon.federation.integrity import with_assertion_method
from compagnon.federation.jsonld import AS_PUBLIC
from compagnon.federation.outbox import publish
from compagnon.federation.sanitize import text_to_html
from compagnon.federation.search_index import forget
from compagnon.federation.urls import Urls
from compagnon.i18n import _, ngettext
from compagnon.storage.models import (
    ROLES,
    Activity,
    Actor,
    Delivery,
    Invite,
    Peer,
    Report,
    User,
    utcnow,
)
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import deliveries, peers, statistics_counts
from compagnon.storage.queries import objects as object_queries

T = TypeVar("T")
MAX_INVITE_DAYS = 90
DURATION = re.compile(r"P(?:(\d{1,3})D)?(?:T(?:(\d{1,4})H)?(?:(\d{1,5})M)?)?", re.IGNORECASE)


class AdminError(Exception):
    """What was asked cannot be done; the message (translated) says why."""


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration of days, hours and minutes (P7D, PT12H, P1DT6H), at most 90 days."""
    found = DURATION.fullmatch(text.strip())
    if not found or not any(found.groups()):
        raise AdminError(_("Write the duration as P7D (days), PT12H (hours) or P1DT6H."))
    days, hours, minutes = (int(g or 0) for g in found.groups())
    length = timedelta(days=days, hours=hours, minutes=minutes)
    if length <= timedelta(0) or length > timedelta(days=MAX_INVITE_DAYS):
        raise AdminError(
            ngettext(
                "An invite lasts between one minute and {n} day.",
                "An invite lasts between one minute and {n} days.",
                MAX_INVITE_DAYS,
            )
        )
    return length


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AdminError(_("The role must be one of: {roles}.", roles=", ".join(ROLES)))
    return role


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- invites -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewInvite:
    id: int
    token: str  # shown once: only its hash is stored
    role: str
    expires_at: datetime


async def create_invite(
    session: AsyncSession, role: str, expires_in: timedelta, created_by: str
) -> NewInvite:
    token = secrets.token_urlsafe(24)
    invite = Invite(
        token_sha256=_token_hash(token),
        role=_check_role(role),
        created_by=created_by,
        created_at=utcnow(),
        expires_at=utcnow() + expires_in,
    )
    session.add(invite)
    await session.flush()
    return NewInvite(invite.id, token, invite.role, invite.expires_at)


def invite_state(invite: Invite, now: datetime | None = None) -> str:
    if invite.used_at is not None:
        return "used"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= (now or utcnow()):
        return "expired"
    return "open"


async def list_invites(session: AsyncSession) -> list[Invite]:
    return list((await session.execute(select(Invite).order_by(Invite.id.desc()))).scalars())


async def revoke_invite(session: AsyncSession, invite_id: int) -> Invite:
    invite = await session.get(Invite, invite_id)
    if invite is None:
        raise AdminError(_("There is no invite number {n}.", n=invite_id))
    if invite.used_at is None and invite.revoked_at is None:
        invite.revoked_at = utcnow()
    return invite


async def open_invite(session: AsyncSession, token: str) -> Invite | None:
    """The invite behind a link, if it can still be used."""
    if not token or len(token) > 200:
        return None
    invite = await session.scalar(select(Invite).where(Invite.token_sha256 == _token_hash(token)))
    if invite is None or invite_state(invite) != "open":
        return None
    return invite


async def accept_invite(
    session: AsyncSession, urls: Urls, token: str, username: str, password: str
) -> User:
    """Sign up through an invite: the account is made with the invite's role and the invite
    is spent in the same transaction (one UPDATE that only an unused invite passes, so two
    sign-ups racing on one link cannot both succeed)."""
    invite = await open_invite(session, token)
    if invite is None:
        raise AdminError(_("This invite link has expired, was revoked or was used already."))
    spent = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
        .values(used_at=utcnow(), used_by=username[:64])
        .execution_options(synchronize_session=False)
    )
    if getattr(spent, "rowcount", 0) != 1:
        raise AdminError(_("This invite link has expired, was revoked or was used already."))
    try:
        user = await accounts.create_user(session, urls, username, password)
    except accounts.AccountError as exc:
        raise AdminError(str(exc)) from None
    user.role = invite.role
    return user


# ---- accounts ------------------------------------------------------------------------------


async def _user(session: AsyncSession, username: str) -> tuple[User, Actor]:
    user = await actor_queries.user_by_username(session, username.strip().lower())
    if user is None:
        raise AdminError(_("There is no account named {name}.", name=username))
    actor = await session.get(Actor, user.actor_id)
    assert actor is not None
    return user, actor


async def set_role(session: AsyncSession, username: str, role: str) -> User:
    user, _actor = await _user(session, username)
    user.role = _check_role(role)
    return user


async def set_suspended(session: AsyncSession, username: str, suspended: bool) -> Actor:
    """A suspended account cannot sign in; its profile says so and its posts are served to
    nobody (pages and ActivityPub documents answer 404) until it is unsuspended."""
    _user_row, actor = await _user(session, username)
    actor.suspended_at = utcnow() if suspended else None
    await statistics_counts.recount_authors(session, [actor.id])
    return actor


async def set_locked(session: AsyncSession, username: str, locked: bool) -> Actor:
    _user_row, actor = await _user(session, username)
    actor.manually_approves_followers = locked
    return actor


async def accounts_list(session: AsyncSession) -> list[tuple[User, Actor]]:
    return await actor_queries.users_with_actors(session)


# ---- peers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerHealth:
    host: str
    policy: str
    unreachable: bool
    last_success_at: datetime | None
    failing_since: datetime | None
    next_retry_at: datetime | None
    pending: int
    gave_up: int
    note: str


async def peer_health(session: AsyncSession) -> list[PeerHealth]:
    """Every known peer with its policy and health: last success, failing since, the next
    retry of its pending deliveries and how many are pending or given up."""
    counts = await session.execute(
        select(
            Delivery.host,
            Delivery.state,
            func.count(),
            func.min(Delivery.next_attempt_at),
        )
        .where(Delivery.state.in_([deliveries.PENDING, deliveries.GAVE_UP]))
        .group_by(Delivery.host, Delivery.state)
    )
    pending: dict[str, tuple[int, datetime | None]] = {}
    gave_up: dict[str, int] = {}
    for host, state, n, first in counts:
        if state == deliveries.PENDING:
            pending[host] = (int(n), first)
        else:
            gave_up[host] = int(n)
    return [
        PeerHealth(
            host=p.host,
            policy=peers.policy_of(p),
            unreachable=p.unreachable,
            last_success_at=p.last_success_at,
            failing_since=p.failing_since,
            next_retry_at=pending.get(p.host, (0, None))[1],
            pending=pending.get(p.host, (0, None))[0],
            gave_up=gave_up.get(p.host, 0),
            note=p.note,
        )
        for p in await peers.all_peers(session)
    ]


HOST = re.compile(r"[a-z0-9.-]{1,253}(:[0-9]{1,5})?")


def clean_host(text: str) -> str:
    host = text.strip().lower().rstrip(".")
    if "://" in host:
        host = host.split("://", 1)[1].split("/", 1)[0]
    if not HOST.fullmatch(host) or ("." not in host.split(":")[0] and ":" not in host):
        raise AdminError(_("{host} is not a domain name.", host=text.strip()[:100]))
    return host


async def set_peer_policy(session: AsyncSession, host: str, policy: str, note: str = "") -> Peer:
    if policy not in peers.POLICIES:
        raise AdminError(_("The policy must be one of: {p}.", p=", ".join(peers.POLICIES)))
    return await peers.set_policy(session, clean_host(host), policy, note[:1000])


@dataclass
class ImportReport:
    blocked: int = 0
    silenced: int = 0
    skipped: list[str] | None = None


MASTODON_SEVERITY = {"suspend": "block", "silence": "silence", "noop": None}


def read_blocklist(text: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Rows (host, policy, comment) of a blocklist in Mastodon's CSV export format
    (`#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate`; a file with
    only a `domain` column, or none, is read as blocks), and the lines it could not use."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows: list[tuple[str, str, str]] = []
    skipped: list[str] = []
    header: list[str] | None = None
    for number, fields in enumerate(reader, start=1):
        if not fields or not any(f.strip() for f in fields):
            continue
        names = [f.strip().lstrip("#").lower() for f in fields]
        if header is None and "domain" in names:
            header = names
            continue
        record = dict(zip(header or ["domain", "severity"], fields, strict=False))
        domain = record.get("domain", "").strip()
        severity = (record.get("severity") or "suspend").strip().lower()
        if severity not in MASTODON_SEVERITY:
            skipped.append(_("line {n}: unknown severity {s}", n=number, s=severity[:40]))
            continue
        policy = MASTODON_SEVERITY[severity]
        if policy is None:
            continue
        if "*" in domain:  # an obfuscated domain (b*d.example) cannot be matched
            skipped.append(_("line {n}: obfuscated domain {d}", n=number, d=domain[:100]))
            continue
        try:
            host = clean_host(domain)
        except AdminError:
            skipped.append(_("line {n}: not a domain: {d}", n=number, d=domain[:100]))
            continue
        rows.append((host, policy, (record.get("public_comment") or "").strip()[:1000]))
    return rows, skipped


async def import_blocklist(session: AsyncSession, text: str) -> ImportReport:
    """Apply a Mastodon blocklist: `suspend` rows block, `silence` rows silence, `noop` rows
    are read and left alone. A host already blocked here stays blocked."""
    rows, skipped = read_blocklist(text)
    report = ImportReport(skipped=skipped)
    for host, policy, comment in rows:
        existing = await session.get(Peer, host)
        if existing is not None and existing.blocked and policy == "silence":
            continue
        await peers.set_policy(session, host, policy, comment)
        if policy == "block":
            report.blocked += 1
        else:
            report.silenced += 1
    return report


async def set_allowlist_only(session: AsyncSession, on: bool) -> None:
    await peers.set_allowlist_only(session, on)


# ---- the delivery ledger -------------------------------------------------------------------


async def deliveries_of_host(session: AsyncSession, host: str, limit: int = 100) -> list[Delivery]:
    result = await session.execute(
        select(Delivery)
        .where(Delivery.host == host.strip().lower())
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    return list(result.scalars())


async def resend(
    session: AsyncSession, *, delivery_id: int | None = None, object_uri: str | None = None
) -> int:
    """Queue given-up deliveries again (one row, or every given-up row of an object): due now,
    with a fresh seven-day window. Returns how many were re-queued."""
    query = update(Delivery).where(Delivery.state == deliveries.GAVE_UP)
    if delivery_id is not None:
        query = query.where(Delivery.id == delivery_id)
    elif object_uri is not None:
        query = query.where(Delivery.object_uri == object_uri)
    else:
        raise AdminError(_("Say which delivery or which object to send again."))
    now = utcnow()
    result = await session.execute(
        query.values(
            state=deliveries.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            finished_at=None,
            claimed_by=None,
            claimed_until=None,
        ).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# ---- reports -------------------------------------------------------------------------------


async def reports_received(session: AsyncSession, *, open_only: bool = False) -> list[Any]:
    query = select(Report, Actor).join(Actor, Actor.id == Report.reporter_id)
    if open_only:
        query = query.where(Report.resolved_at.is_(None))
    return list((await session.execute(query.order_by(Report.id.desc()).limit(200))).all())


async def reports_sent(session: AsyncSession) -> list[Activity]:
    result = await session.execute(
        select(Activity)
        .where(Activity.type == "Flag", Activity.is_local.is_(True))
        .order_by(Activity.id.desc())
        .limit(200)
    )
    return list(result.scalars())


async def _report(session: AsyncSession, report_id: int) -> Report:
    report = await session.get(Report, report_id)
    if report is None:
        raise AdminError(_("There is no report number {n}.", n=report_id))
    return report


async def _reported_account(session: AsyncSession, report: Report) -> Actor:
    """The account a report is about: a target that is an actor, or the author of a target
    object."""
    for uri in report.targets.get("uris", []):
        actor = await actor_queries.by_uri(session, uri)
        if actor is not None:
            return actor
        obj = await object_queries.by_uri(session, uri)
        if obj is not None:
            author = await session.get(Actor, obj.actor_id)
            if author is not None:
                return author
    raise AdminError(_("The reported account is not known here."))


async def forward_report(session: AsyncSession, urls: Urls, report_id: int) -> Activity:
    """Send the report, as a Flag from this node, to the reported account's own node."""
    report = await _report(session, report_id)
    account = await _reported_account(session, report)
    if account.is_local:
        raise AdminError(_("The reported account is on this node: there is nowhere to forward."))
    instance = await actor_queries.by_uri(session, urls.instance_actor)
    assert instance is not None
    objects = [u for u in report.targets.get("uris", []) if u != account.uri]
    flag = await publish.report(session, urls, instance, account, objects, report.comment)
    report.forwarded_at = utcnow()
    return flag


async def remove_reported_content(session: AsyncSession, urls: Urls, report_id: int) -> int:
    """Delete the reported local posts (a Delete goes out as for their author) and hide the
    reported remote ones (a tombstone here, out of timelines and search). Returns how many."""
    report = await _report(session, report_id)
    removed = 0
    for uri in report.targets.get("uris", []):
        obj = await object_queries.by_uri(session, uri)
        if obj is None or obj.deleted_at is not None:
            continue
        if obj.is_local:
            author = await session.get(Actor, obj.actor_id)
            assert author is not None
            await publish.delete_note(session, urls, author, obj)
        else:
            obj.deleted_at = utcnow()
            await forget(session, [obj])
        removed += 1
    _resolve(report, "removed")
    return removed


async def moderate_account(session: AsyncSession, report_id: int, action: str) -> Actor:
    """Silence or suspend the reported account (a local or a remote one)."""
    report = await _report(session, report_id)
    account = await _reported_account(session, report)
    if action == "silence":
        account.silenced_at = utcnow()
    elif action == "suspend":
        account.suspended_at = utcnow()
    else:
        raise AdminError(_("The action must be silence or suspend."))
    await statistics_counts.recount_authors(session, [account.id])
    _resolve(report, action)
    return account


async def resolve_report(session: AsyncSession, report_id: int) -> Report:
    report = await _report(session, report_id)
    _resolve(report, report.action or "resolved")
    return report


def _resolve(report: Report, action: str) -> None:
    report.resolved_at = report.resolved_at or utcnow()
    report.action = action[:32]


# ---- the centre's profile ------------------------------------------------------------------


@dataclass(frozen=True)
class CentreProfile:
    name: str
    summary: str
    country: str
    languages: list[str]
    icon_url: str | None


def centre_profile(
    centre: Actor, default_country: str, default_languages: list[str]
) -> CentreProfile:
    extra = centre.raw or {}
    return CentreProfile(
        name=centre.name,
        summary=str(extra.get("summary_text", "")),
        country=str(extra.get("country") or default_country),
        languages=list(extra.get("languages") or default_languages),
        icon_url=centre.icon_url,
    )


COUNTRY = re.compile(r"[A-Za-z]{2}")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")


async def update_centre(
    session: AsyncSession,
    urls: Urls,
    *,
    name: str,
    summary: str,
    country: str,
    languages: list[str],
    icon_url: str | None,
) -> Activity:
    """Change the centre's profile and send an Update of its actor to its followers. Country
    and languages ride in the local actor's `raw` (unused otherwise for local actors)."""
    name, summary, country = name.strip(), summary.strip(), country.strip().upper()
    if not name or len(name) > 200:
        raise AdminError(_("The centre's name has 1 to 200 characters."))
    if len(summary) > 5000:
        raise AdminError(
            ngettext(
                "The summary has at most {n} character.",
                "The summary has at most {n} characters.",
                5000,
            )
        )
    if country and not COUNTRY.fullmatch(country):
        raise AdminError(_("The country is a two-letter code (FR, PT, IT...)."))
    wrong = [code for code in languages if not LANGUAGE.fullmatch(code)]
    if wrong or len(languages) > 20:
        raise AdminError(_("Languages are codes such as fr, pt, ar, separated by commas."))
    centre = await actor_queries.local_by_username(session, "centre")
    assert centre is not None
    centre.name = name
    centre.summary = text_to_html(summary) if summary else ""
    centre.icon_url = icon_url or centre.icon_url
    centre.raw = {"country": country, "languages": languages, "summary_text": summary}
    doc = with_assertion_method(
        to_actor_document(centre, urls, country=country, languages=languages), centre
    )
    update = wrap(
        "Update",
        urls.new_activity(),
        centre.uri,
        doc,
        {"to": [AS_PUBLIC], "cc": [centre.followers_url]},
    )
    return await publish.send(session, centre, update, addressed=[AS_PUBLIC, centre.followers_url])


# ---- the same, for the CLI (cli/admin.py): one transaction each, from the node's settings --


async def in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on the node's database; AdminError becomes the
    OperationError the CLI prints."""
    from compagnon.operations import OperationError, database

    async with database(settings) as sessions, sessions.begin() as session:
        try:
            return await work(session)
        except AdminError as exc:
            raise OperationError(str(exc)) from None


def urls_of(settings: Settings) -> Urls:
    return Urls(settings.base_url)
