"""The licence rule of remixes and translations (domain/licence_rules.py), over every pair of
shipped licences, against Creative Commons' adapter's-licence chart written out by hand."""

from __future__ import annotations

import pytest

from compagnon.domain.licence_rules import Verdict, may_derive
from compagnon.domain.vocabularies import vocabulary

CC = "https://creativecommons.org/licenses/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
BY, BY_SA, BY_NC = CC + "by/4.0/", CC + "by-sa/4.0/", CC + "by-nc/4.0/"
BY_ND, BY_NC_SA, BY_NC_ND = CC + "by-nd/4.0/", CC + "by-nc-sa/4.0/", CC + "by-nc-nd/4.0/"
OWN_TERMS = "https://cfp.example.pt/terms"

# source → the licences a derivative may carry (every other shipped licence is refused).
ALLOWED = {
    CC0: {CC0, BY, BY_SA, BY_NC, BY_ND, BY_NC_SA, BY_NC_ND},
    BY: {BY, BY_SA, BY_NC, BY_ND, BY_NC_SA, BY_NC_ND},
    BY_SA: {BY_SA},
    BY_NC: {BY_NC, BY_NC_SA, BY_NC_ND},
    BY_NC_SA: {BY_NC_SA},
    BY_ND: set(),
    BY_NC_ND: set(),
}


def test_the_chart_covers_every_shipped_licence() -> None:
    assert set(ALLOWED) == set(vocabulary("licences"))


@pytest.mark.parametrize("source", sorted(ALLOWED))
@pytest.mark.parametrize("derived", sorted(ALLOWED))
def test_every_pair_of_shipped_licences(source: str, derived: str) -> None:
    decision = may_derive(source, derived)
    expected = Verdict.ALLOWED if derived in ALLOWED[source] else Verdict.REFUSED
    assert decision.verdict is expected
    assert bool(decision.reason) is (expected is Verdict.REFUSED)


def test_nd_is_refused_naming_the_licence() -> None:
    reason = may_derive(BY_NC_ND, BY_NC_ND).reason
    assert "CC BY-NC-ND 4.0" in reason and "NoDerivatives" in reason


def test_share_alike_names_the_licence_to_keep() -> None:
    reason = may_derive(BY_SA, BY).reason
    assert "CC BY-SA 4.0" in reason and "CC BY 4.0" in reason and "ShareAlike" in reason


def test_non_commercial_must_be_kept() -> None:
    reason = may_derive(BY_NC, BY).reason
    assert "NonCommercial" in reason and "CC BY-NC 4.0" in reason


def test_a_source_under_unknown_terms_cannot_be_checked() -> None:
    for source in (OWN_TERMS, ""):
        decision = may_derive(source, BY)
        assert decision.verdict is Verdict.UNCHECKED
        assert "--licence-checked" in decision.reason


def test_own_terms_for_the_derivative() -> None:
    # Attribution alone lets the adapter choose their terms; NonCommercial cannot be read
    # from terms the node does not know; ShareAlike and NoDerivatives refuse them.
    assert may_derive(CC0, OWN_TERMS).verdict is Verdict.ALLOWED
    assert may_derive(BY, OWN_TERMS).verdict is Verdict.ALLOWED
    assert may_derive(BY_NC, OWN_TERMS).verdict is Verdict.UNCHECKED
    assert may_derive(BY_SA, OWN_TERMS).verdict is Verdict.REFUSED
    assert may_derive(BY_ND, OWN_TERMS).verdict is Verdict.REFUSED
