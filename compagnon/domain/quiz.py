"""Quizzes and challenges: a question with options, one choice (oneOf) or several (anyOf),
open until an end time. Plain rules: what a well-formed question is, how long it runs, and
whether a vote can be counted, each mistake named in a sentence a trainer reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from compagnon.i18n import _, ngettext

MIN_OPTIONS = 2
MAX_OPTIONS = 10  # Mastodon's default is 4, its hard limit 10 or so: more are not shown there
MAX_OPTION_CHARS = 200  # Mastodon cuts at 50 by default; longer ones still arrive whole
MAX_QUESTION_CHARS = 5000
MIN_DURATION = timedelta(minutes=5)  # Mastodon's shortest poll
MAX_DURATION = timedelta(days=365)
DEFAULT_DURATION = timedelta(days=1)

# ISO 8601 durations without years or months (their length depends on the calendar).
_DURATION_RE = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?"
)


class QuizError(ValueError):
    """A question or a vote that cannot be accepted; the message says why."""


@dataclass(frozen=True)
class QuestionSpec:
    """A question as a trainer describes it."""

    text: str
    options: tuple[str, ...]
    multiple: bool = False
    ends_at: datetime | None = None
    language: str | None = None
    # Counts shown to the author only until the end (Mastodon's poll[hide_totals]).
    hide_totals: bool = False


def parse_duration(text: str) -> timedelta:
    """`P1D`, `PT30M`, `P1DT12H`, `P2W`: an ISO 8601 duration in weeks, days, hours, minutes
    and seconds. Raises QuizError for anything else."""
    match = _DURATION_RE.fullmatch(text.strip().upper())
    if match is None or not any(match.groupdict().values()) or text.strip().upper() == "PT":
        raise QuizError(_("The duration is an ISO 8601 duration such as P1D, PT30M or P1DT12H."))
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(
        weeks=parts.get("w", 0),
        days=parts.get("d", 0),
        hours=parts.get("h", 0),
        minutes=parts.get("m", 0),
        seconds=parts.get("s", 0),
    )


def parse_moment(text: str) -> datetime:
    """An end time as ISO 8601 (`2026-12-24T18:00Z`, `2026-12-24T18:00:00+01:00`); a time
    without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise QuizError(_("The end time is a date and time such as 2026-12-24T18:00Z.")) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def end_time(now: datetime, *, ends_in: str | None = None, ends_at: str | None = None) -> datetime:
    """When a question created `now` closes: after `ends_in`, at `ends_at`, or after a day."""
    if ends_in and ends_at:
        raise QuizError(_("Give --ends-in or --ends-at, not both."))
    moment = (
        parse_moment(ends_at)
        if ends_at
        else now + (parse_duration(ends_in) if ends_in else DEFAULT_DURATION)
    )
    if moment - now < MIN_DURATION:
        raise QuizError(_("A question stays open at least 5 minutes; choose a later end."))
    if moment - now > MAX_DURATION:
        raise QuizError(_("A question stays open at most a year; choose an earlier end."))
    return moment


def problems(spec: QuestionSpec) -> list[str]:
    """Every mistake of a question, one sentence each (empty: it can be published)."""
    found: list[str] = []
    if not spec.text.strip():
        found.append(_("Write the question."))
    elif len(spec.text) > MAX_QUESTION_CHARS:
        found.append(
            ngettext(
                "The question is at most {n} character.",
                "The question is at most {n} characters.",
                MAX_QUESTION_CHARS,
            )
        )
    options = [o.strip() for o in spec.options]
    if len(options) < MIN_OPTIONS:
        found.append(_("A question needs at least 2 options (--option A --option B)."))
    if len(options) > MAX_OPTIONS:
        found.append(
            ngettext(
                "A question has at most {n} option.",
                "A question has at most {n} options.",
                MAX_OPTIONS,
            )
        )
    if any(not o for o in options):
        found.append(_("An option is empty."))
    if any(len(o) > MAX_OPTION_CHARS for o in options):
        found.append(
            ngettext(
                "An option is at most {n} character.",
                "An option is at most {n} characters.",
                MAX_OPTION_CHARS,
            )
        )
    folded = [o.casefold() for o in options]
    twice = [o for i, o in enumerate(options) if folded[i] in folded[:i]]
    if twice:
        found.append(_("The option \u201c{option}\u201d is given twice.", option=twice[0]))
    return found


def checked(spec: QuestionSpec) -> QuestionSpec:
    """The spec with options trimmed; raises QuizError naming every mistake."""
    mistakes = problems(spec)
    if mistakes:
        raise QuizError(" ".join(mistakes))
    return QuestionSpec(
        text=spec.text.strip(),
        options=tuple(o.strip() for o in spec.options),
        multiple=spec.multiple,
        ends_at=spec.ends_at,
        language=spec.language,
        hide_totals=spec.hide_totals,
    )


def is_closed(ends: datetime | None, closed: datetime | None, now: datetime) -> bool:
    return closed is not None or (ends is not None and now >= ends)


def vote_problem(
    *,
    options: list[str],
    multiple: bool,
    chosen: list[str],
    already: list[str],
    closed: bool,
) -> str | None:
    """Why this vote cannot be counted, or None. `already` are the voter's earlier choices."""
    if closed:
        return _("This question is closed: votes are no longer counted.")
    if not chosen:
        return _("Choose an option.")
    unknown = [c for c in chosen if c not in options]
    if unknown:
        return _(
            "\u201c{option}\u201d is not an option of this question (the options: {options}).",
            option=unknown[0],
            options=", ".join(options),
        )
    if len(set(chosen)) != len(chosen):
        return _("An option is chosen twice.")
    if not multiple and (already or len(chosen) > 1):
        if already:
            return _("You have already voted on this question (one choice only).")
        return _("This question takes one choice only.")
    again = [c for c in chosen if c in already]
    if again:
        return _("You have already chosen \u201c{option}\u201d.", option=again[0])
    return None
