"""The numbers of the catalogue (`/statistics`, `/statistics.json`, `/statistics/<table>.csv`,
`compagnon catalogue stats`): read from the pre-aggregated counts (`statistics_counts`,
`statistics_authors`), which storage/queries/statistics_counts.py keeps current as the search
index is written and `compagnon statistics rebuild` recomputes.

What is counted: the public entries of the search index (`search_entries`: learning
resources, quizzes, modules and journeys, with their facets already read), by the actors
handover/counted.py counts. A resource's country is its node's: the `addressCountry` of the
centre (`Organization`) of its host, this node's own from its settings or profile.
Federation is what this node knows: accepted follows between actors of two hosts.

`gather` returns raw keys and counts; `tables` labels them in the current language, so the
page, the CSV, the JSON and the command show the same numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from babel import Locale, UnknownLocaleError
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from compagnon.domain.search_query import label as facet_label
from compagnon.handover.counted import counted_actors
from compagnon.i18n import _, current_language
from compagnon.storage.models import Actor, Follow, Peer, StatisticsAuthor, StatisticsCount, utcnow
from compagnon.storage.queries.statistics_counts import DIMENSIONS, UNKNOWN

ACTIVE_DAYS = 90
COUNTRY_RE = re.compile(r"[A-Z]{2}")
# The single-valued facets of search_entries, by the name of their table here.
FACET_COLUMNS = DIMENSIONS


@dataclass
class Statistics:
    total: int = 0
    by: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # table → (key, n)
    months: list[tuple[str, int]] = field(default_factory=list)  # ("2026-12", new resources)
    active_centres: int = 0
    active_trainers: int = 0
    links: list[tuple[str, str, int]] = field(default_factory=list)  # follower host → host


def country_of(doc: Any) -> str | None:
    """The country an actor document (or our centre's profile in `raw`) names."""
    if not isinstance(doc, dict):
        return None
    for key in ("addressCountry", "country"):
        value = doc.get(key)
        if isinstance(value, str) and COUNTRY_RE.fullmatch(value.strip().upper()):
            return value.strip().upper()
    return None


async def _countries(
    session: AsyncSession, by_host: list[tuple[str, int]], own_country: str
) -> list[tuple[str, int]]:
    """Counts by host, summed by each host's country (its centre's addressCountry)."""
    hosts = [host for host, _n in by_host]
    country: dict[str, str] = {}
    for start in range(0, len(hosts), 500):
        rows = await session.execute(
            select(Actor.domain, Actor.is_local, Actor.raw).where(
                Actor.type == "Organization", Actor.domain.in_(hosts[start : start + 500])
            )
        )
        for host, is_local, raw in rows:
            found = country_of(raw) or (own_country.upper() if is_local else None)
            if found:
                country.setdefault(host, found)
    summed: dict[str, int] = {}
    for host, count in by_host:
        key = country.get(host, UNKNOWN)
        summed[key] = summed.get(key, 0) + count
    return sorted(summed.items(), key=lambda kv: (-kv[1], kv[0]))


async def gather(
    session: AsyncSession, *, own_country: str = "", now: datetime | None = None
) -> Statistics:
    """Every number of the page, read from the pre-aggregated counts
    (storage/queries/statistics_counts.py, kept current as resources are indexed): a few
    hundred rows, whatever the size of the catalogue; per host and per country from the
    per-author counts."""
    since = (now or utcnow()) - timedelta(days=ACTIVE_DAYS)
    by: dict[str, list[tuple[str, int]]] = {}
    for dimension, key, count in await session.execute(
        select(StatisticsCount.dimension, StatisticsCount.key, StatisticsCount.count)
    ):
        by.setdefault(str(dimension), []).append((str(key), int(count)))
    stats = Statistics()
    for name in FACET_COLUMNS:
        stats.by[name] = sorted(by.get(name, []), key=lambda kv: (-kv[1], kv[0]))
    stats.months = sorted(by.get("month", []))
    per_host = await session.execute(
        select(Actor.domain, func.sum(StatisticsAuthor.resources))
        .select_from(StatisticsAuthor)
        .join(Actor, Actor.id == StatisticsAuthor.actor_id)
        .group_by(Actor.domain)
    )
    by_host = sorted((str(host), int(n)) for host, n in per_host)
    stats.total = sum(n for _host, n in by_host)
    active = await session.execute(
        select(
            func.count(func.distinct(Actor.domain)),
            func.count().filter(Actor.type == "Person"),
        )
        .select_from(StatisticsAuthor)
        .join(Actor, Actor.id == StatisticsAuthor.actor_id)
        .where(StatisticsAuthor.latest >= since)
    )
    # A centre is active when anyone of its node published.
    centres, trainers = active.one()
    stats.active_centres, stats.active_trainers = int(centres or 0), int(trainers or 0)
    stats.by["country"] = await _countries(session, by_host, own_country)
    stats.links = await _links(session)
    return stats


async def _links(session: AsyncSession) -> list[tuple[str, str, int]]:
    """Accepted follows between counted actors of two different hosts, counted by pair of
    hosts (blocked hosts left out)."""
    follower, followee = aliased(Actor), aliased(Actor)
    blocked = select(Peer.host).where(Peer.blocked.is_(True))
    rows = await session.execute(
        select(follower.domain, followee.domain, func.count())
        .select_from(Follow)
        .join(follower, follower.id == Follow.follower_id)
        .join(followee, followee.id == Follow.followee_id)
        .where(
            Follow.state == "accepted",
            follower.domain != followee.domain,
            # Actors refusing indexing (or hidden) are not counted here either.
            follower.id.in_(counted_actors()),
            followee.id.in_(counted_actors()),
            and_(follower.domain.not_in(blocked), followee.domain.not_in(blocked)),
        )
        .group_by(follower.domain, followee.domain)
        .order_by(follower.domain, followee.domain)
    )
    return [(str(a), str(b), int(n)) for a, b, n in rows]


# --- the tables, labelled -------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One table behind a chart: `columns` are (key, heading) pairs; rows are dicts by key."""

    name: str
    title: str
    columns: tuple[tuple[str, str], ...]
    rows: list[dict[str, Any]]
    chart: str  # bars | growth | graph


def _locale(lang: str) -> Locale | None:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return None


def value_label(table: str, key: str, lang: str) -> str:
    """How a key is shown, in `lang`: vocabulary labels, country and language names."""
    if key == UNKNOWN:
        return _("not given")
    if table == "country":
        locale = _locale(lang)
        return str(locale.territories.get(key, key)) if locale else key
    if table == "language":
        locale = _locale(lang)
        return str(locale.languages.get(key, key)) if locale else key
    facet = {"field": "field", "eqf": "eqf", "licence": "licence", "type": "type"}[table]
    shown = facet_label(facet, key, lang=lang)
    return _("EQF {level}", level=key) if table == "eqf" and shown == key else shown


def _titles() -> dict[str, str]:
    return {
        "country": _("Resources by country"),
        "field": _("Resources by field of education (ISCED-F)"),
        "eqf": _("Resources by EQF level"),
        "language": _("Resources by language"),
        "licence": _("Resources by licence"),
        "type": _("Resources by type"),
    }


TABLE_NAMES: tuple[str, ...] = (
    *("country", "field", "eqf", "language", "licence", "type"),
    *("growth", "active", "federation"),
)


def every_month(months: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The months from the first to the last, those with nothing new included (with 0), so
    the growth chart's time axis is even."""
    counts = dict(months)
    if not counts:
        return []
    year, month = map(int, min(counts).split("-"))
    last = max(counts)
    found = []
    while (key := f"{year:04d}-{month:02d}") <= last:
        found.append((key, counts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def tables(stats: Statistics, lang: str | None = None) -> list[Table]:
    """Every table, labelled in `lang` (the current language by default)."""
    lang = lang or current_language.get()
    found: list[Table] = []
    for name, title in _titles().items():
        rows = [
            {"key": key, "label": value_label(name, key, lang), "resources": n}
            for key, n in stats.by.get(name, [])
        ]
        columns = (("key", _("Code")), ("label", _("Name")), ("resources", _("Resources")))
        found.append(Table(name, title, columns, rows, "bars"))
    total = 0
    growth = []
    for month, n in every_month(stats.months):
        total += n
        growth.append({"month": month, "new": n, "total": total})
    found.append(
        Table(
            "growth",
            _("Growth per month"),
            (("month", _("Month")), ("new", _("New resources")), ("total", _("All resources"))),
            growth,
            "growth",
        )
    )
    found.append(
        Table(
            "active",
            _("Active in the last {days} days", days=ACTIVE_DAYS),
            (("key", _("Code")), ("label", _("Who")), ("count", _("Number"))),
            [
                {"key": "centres", "label": _("Centres"), "count": stats.active_centres},
                {"key": "trainers", "label": _("Trainers"), "count": stats.active_trainers},
            ],
            "bars",
        )
    )
    found.append(
        Table(
            "federation",
            _("Which centres federate with which"),
            (
                ("follower", _("Node that follows")),
                ("followed", _("Node followed")),
                ("follows", _("Follows")),
            ),
            [{"follower": a, "followed": b, "follows": n} for a, b, n in stats.links],
            "graph",
        )
    )
    return found


def as_json(stats: Statistics, lang: str | None = None) -> dict[str, Any]:
    """The numbers of the page as JSON: every table by name, rows as on the page."""
    return {
        "total": stats.total,
        "active_days": ACTIVE_DAYS,
        "tables": {
            t.name: {"title": t.title, "columns": [key for key, _h in t.columns], "rows": t.rows}
            for t in tables(stats, lang)
        },
    }
