"""May a resource under one licence be remixed or translated into one under another?

The rule of Creative Commons' "adapter's licence" chart
(https://creativecommons.org/faq/#can-i-combine-material-under-different-creative-commons-licenses-in-my-work),
read from the `conditions` of the shipped licences (vocab/licences.json: by, sa, nc, nd).
A translation is an adaptation under the CC licences, so the same rule holds for it.

One row per condition of the source, checked in order; the first that the derivative breaks
gives the verdict:

- nd (NoDerivatives): no adaptation may be shared at all.
- sa (ShareAlike): the derivative carries the same licence. CC counts as compatible only
  later versions of the same licence and, for BY-SA, a few non-CC licences (GPLv3, Free Art
  1.3); the node ships the 4.0 licences only, so BY-SA 4.0 → BY-SA 4.0 and BY-NC-SA 4.0 →
  BY-NC-SA 4.0.
- nc (NonCommercial): the derivative is NonCommercial too (BY-NC, BY-NC-SA, BY-NC-ND).
- by (Attribution): the derivative keeps an attribution licence: not CC0, which would give
  away the source's part without its author's name. Own terms (not a CC licence) are
  allowed: BY lets the adapter choose the terms of their own contribution.

A source under CC0 may become anything. A source whose licence is not one the node knows
(own terms, or none found) cannot be checked: the trainer must say they read its terms. A
derivative under own terms from a NonCommercial source cannot be checked either (the node
cannot read whether those terms are non-commercial). Adapting into a NoDerivatives licence is
allowed where the source permits it (CC's chart marks it "allowed, not advised").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from compagnon.domain.vocabularies import vocabulary
from compagnon.i18n import _


class Verdict(Enum):
    ALLOWED = "allowed"
    REFUSED = "refused"  # the source's licence forbids it
    UNCHECKED = "unchecked"  # cannot be decided here: refused unless the trainer checked


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str = ""  # a sentence for the trainer, empty when allowed

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOWED


def conditions(licence: str) -> frozenset[str] | None:
    """The conditions of a shipped CC licence (empty for CC0); None for anything else."""
    concept = vocabulary("licences").concepts.get(licence)
    if concept is None:
        return None
    return frozenset(str(c) for c in concept.attributes.get("conditions", ()))


def short_name(licence: str) -> str:
    concept = vocabulary("licences").concepts.get(licence)
    return str(concept.attributes["short"]) if concept else licence or _("no licence")


# (condition of the source, does a derivative under `derived` keep it? (None: cannot tell),
# the sentence when it does not). The sentences are functions so that `_()` sees literals.
Keeps = Callable[[str, str, frozenset[str] | None], bool | None]
Says = Callable[[str, str], str]
RULES: tuple[tuple[str, Keeps, Says], ...] = (
    (
        "nd",
        lambda source, derived, kept: False,
        lambda source, derived: _(
            "The source is licensed {source} (NoDerivatives): it may not be remixed or "
            "translated. Ask its author for permission, or choose another source.",
            source=source,
        ),
    ),
    (
        "sa",
        lambda source, derived, kept: derived == source,
        lambda source, derived: _(
            "The source is licensed {source} (ShareAlike): a remix or translation must carry "
            "the same licence, {source}, not {derived}.",
            source=source,
            derived=derived,
        ),
    ),
    (
        "nc",
        lambda source, derived, kept: None if kept is None else "nc" in kept,
        lambda source, derived: _(
            "The source is licensed {source} (NonCommercial): a remix or translation must be "
            "NonCommercial too (CC BY-NC, BY-NC-SA or BY-NC-ND), not {derived}.",
            source=source,
            derived=derived,
        ),
    ),
    (
        "by",
        lambda source, derived, kept: kept is None or bool(kept),
        lambda source, derived: _(
            "The source is licensed {source} (Attribution): a remix or translation cannot be "
            "given to the public domain ({derived}); choose a licence that keeps the "
            "attribution.",
            source=source,
            derived=derived,
        ),
    ),
)


def may_derive(source: str, derived: str) -> Decision:
    """Whether a remix or translation of a resource licensed `source` may be published under
    `derived` (both licence URIs, in the canonical form of domain/resources.py)."""
    source_conditions = conditions(source)
    if source_conditions is None:
        return Decision(
            Verdict.UNCHECKED,
            _(
                "The source's licence ({source}) is not an open licence this node knows: read "
                "its terms, and publish with --licence-checked if they allow a remix or "
                "translation.",
                source=short_name(source),
            ),
        )
    derived_conditions = conditions(derived)
    for condition, keeps, says in RULES:
        if condition not in source_conditions:
            continue
        kept = keeps(source, derived, derived_conditions)
        names = {"source": short_name(source), "derived": short_name(derived)}
        if kept is False:
            return Decision(Verdict.REFUSED, says(names["source"], names["derived"]))
        if kept is None:
            return Decision(
                Verdict.UNCHECKED,
                _(
                    "The source is licensed {source}; whether your terms ({derived}) keep its "
                    "conditions cannot be checked here: read them, and publish with "
                    "--licence-checked if they do.",
                    **names,
                ),
            )
    return Decision(Verdict.ALLOWED)
