"""Distinct original claimants, echoes, independent corroboration, the conservative figure."""

from __future__ import annotations

from bearwitness.claims.corroboration import Assertion, corroborate
from bearwitness.claims.quantities import APPROX, AT_LEAST, AT_MOST, EXACT, Count, qualified

D = "arbitrary_detention"


def _count(qualifier: str, number: int) -> Count:
    best, low, high = qualified(qualifier, number)
    return Count(qualifier, best, low, high)


def test_outlets_quoting_one_claimant_are_one_source() -> None:
    network = "FICTIONAL Rights Network"
    found = corroborate(
        [
            Assertion(D, "assert", _count(APPROX, 40), network, "Gazette", "in a statement"),
            Assertion(D, "assert", _count(AT_LEAST, 41), network, "Herald"),
            Assertion(D, "assert", _count(AT_MOST, 40), network, "BBC", via="the Daily Bugle"),
            # the Daily Bugle in its own voice repeats what the network told it: an echo
            Assertion(D, "assert", _count(AT_LEAST, 40), None, "Daily Bugle"),
            Assertion(D, "deny", _count(EXACT, 0), "interior ministry", "Herald"),
        ],
        D,
    )
    assert [name for name, _, _ in found.claimants] == ["fictional rights network"]
    assert found.relayed == {"daily bugle": "fictional rights network"}
    assert not found.independent
    assert found.qualifiers == ["around 40", "at least 41", "at most 40", "at least 40"]
    assert [d.claimant for d in found.denials] == ["interior ministry"]  # kept, not subtracted
    assert found.most_conservative == 40 and (found.low, found.high) == (40, 41)


def test_two_claimants_not_relaying_each_other_corroborate() -> None:
    found = corroborate(
        [
            Assertion(D, "assert", _count(APPROX, 40), "Network", "Gazette", reliability="B"),
            Assertion(D, "assert", _count(AT_LEAST, 35), "Civic Watch", "Herald", credibility="2"),
            Assertion("killing", "assert", _count(EXACT, 2), "Network", "Gazette"),
        ],
        D,
    )
    assert found.independent
    assert found.claimants == [("network", "B", "6"), ("civic watch", "F", "2")]
    assert found.most_conservative == 35 and found.best == 37 and found.high == 40


def test_a_person_corrects_an_echo() -> None:
    found = corroborate(
        [
            Assertion(D, "assert", _count(APPROX, 40), "Network", "Gazette"),
            Assertion(D, "assert", _count(APPROX, 40), "Civic Watch", "Herald", relays="Network"),
        ],
        D,
    )
    assert not found.independent and found.relayed == {"civic watch": "network"}
