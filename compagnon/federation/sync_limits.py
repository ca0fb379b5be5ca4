"""How far one catalogue sync may walk a followed actor's outbox.

The outbox is the peer's to shape. One whose every page links a `next` was imported without
end (issue #8: 294,240 objects and 193 MB in 150 s, the job still pending). Each page is
weighed here, before anything of it is stored, against the limits of the settings
(`sync_jobs.SyncLimits`): items read per actor, pages, bytes, pages in a row with nothing to
import; and a `next` leading back to a page already read ends the walk too. A job that
reaches one stops (state `stopped`, the limit in `stopped_by`, the reason shown by
`compagnon catalogue status`) and stays stopped until the admin raises the limit or asks for
a walk from the top (`--full`): see `sync_jobs.queue`.

Loops are found with Brent's method: the job keeps one page URL, replaced whenever the count
of pages reaches a power of two; a `next` equal to it closes a loop. One column instead of
every URL seen, and a loop of any length is found within about twice its length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from compagnon.i18n import _, ngettext
from compagnon.storage.models import SyncJob
from compagnon.storage.queries.sync_jobs import (
    MAX_BYTES,
    MAX_EMPTY_PAGES,
    MAX_ITEMS,
    MAX_PAGES,
    REPEATED_PAGE,
    SyncLimits,
    Walked,
)


@dataclass(frozen=True)
class Step:
    """What to do with one fetched page."""

    items: list[Any]  # the page's items to import: all, or none when the page is refused
    next_url: str | None  # where the walk goes on (this page again if it was refused)
    walked: Walked  # the walk after this page
    stopped_by: str | None  # the limit reached: the job stops after this page


def weigh(
    limits: SyncLimits,
    walked: Walked,
    url: str,
    items: list[Any],
    next_url: str | None,
    size: int,
    importable: Callable[[list[Any]], bool],
) -> Step:
    """The page at `url` (`size` bytes, linking `next_url`), after the walk so far.
    `importable(items)` says whether any of them may be imported (catalogue_pages.pick_objects)."""
    # A page that would pass a limit is refused whole (nothing past the limit is stored) and
    # read again if the limit is raised: a page is never cut, so counts stay exact and a
    # page that changed meanwhile loses nothing.
    if walked.bytes_read + size > limits.max_bytes:
        return Step([], url, walked, MAX_BYTES)
    if walked.items + len(items) > limits.max_items:
        return Step([], url, walked, MAX_ITEMS)
    pages = walked.pages + 1
    checkpoint = url if pages & (pages - 1) == 0 else walked.checkpoint_url
    empty = 0 if importable(items) else walked.empty_pages + 1
    after = Walked(pages, walked.items + len(items), walked.bytes_read + size, empty, checkpoint)
    if next_url is None:
        return Step(items, None, after, None)  # the end of the outbox
    stop = None
    if next_url == checkpoint:
        stop = REPEATED_PAGE
    elif after.items >= limits.max_items:
        stop = MAX_ITEMS
    elif pages >= limits.max_pages:
        stop = MAX_PAGES
    elif empty >= limits.max_empty_pages:
        stop = MAX_EMPTY_PAGES
    return Step(items, next_url, after, stop)


def stop_reason(job: SyncJob) -> str | None:
    """Why a stopped job stopped, for the admin (`compagnon catalogue status`)."""
    limit = f"{job.stop_limit or 0:,}"
    if job.stopped_by == MAX_ITEMS:
        return ngettext(
            "stopped after {n:,} item: the limit per actor is {limit} ({setting})",
            "stopped after {n:,} items: the limit per actor is {limit} ({setting})",
            job.items,
            limit=limit,
            setting=MAX_ITEMS,
        )
    if job.stopped_by == MAX_PAGES:
        return ngettext(
            "stopped after {n:,} page: the limit per actor is {limit} ({setting})",
            "stopped after {n:,} pages: the limit per actor is {limit} ({setting})",
            job.pages,
            limit=limit,
            setting=MAX_PAGES,
        )
    if job.stopped_by == MAX_BYTES:
        return ngettext(
            "stopped after {n:,} byte: the limit per actor is {limit} ({setting})",
            "stopped after {n:,} bytes: the limit per actor is {limit} ({setting})",
            job.bytes_read,
            limit=limit,
            setting=MAX_BYTES,
        )
    if job.stopped_by == MAX_EMPTY_PAGES:
        return ngettext(
            "stopped after {n:,} page in a row with nothing to import ({setting})",
            "stopped after {n:,} pages in a row with nothing to import ({setting})",
            job.empty_pages,
            setting=MAX_EMPTY_PAGES,
        )
    if job.stopped_by == REPEATED_PAGE:
        return _(
            "stopped: the outbox links back to a page already read ({url})",
            url=(job.next_url or "")[:200],
        )
    return None


def how_to_go_on(job: SyncJob) -> str:
    """What the admin can do about a stopped job."""
    if job.stopped_by == REPEATED_PAGE:
        return _("`compagnon catalogue sync --full` walks the outbox again from the top")
    return _(
        "raise {setting} and sync again to go on from where it stopped, "
        "or sync with --full to start again from the top",
        setting=job.stopped_by or "",
    )
