"""Who holds the keys: what an unlock records, new custodian shares, a new passphrase.

The command line and the workbench both come here, so that each of these is logged
the same way whichever door it came through.
"""

from __future__ import annotations

from bearwitness.services import _ledger, estimates
from bearwitness.services.archive import Archive

CHANGED = "changed"  # the log's word for a new passphrase (never the passphrase itself)


def unlocked(archive: Archive, method: str) -> None:
    """Record an unlock (``method``: passphrase or shares) in the transparency log, and seal
    the strata of estimate runs kept before strata were sealed. Needs the unlock's keys."""
    _ledger.record_event(archive, "unlock", {"method": method})
    estimates.seal_kept_strata(archive)


def reshare(archive: Archive, custodians: int, threshold: int) -> list[str]:
    """New custodian shares, any ``threshold`` of ``custodians`` unlocking; the old shares
    stop working. Logged; returns the shares, to be handed out (never stored)."""
    keyring, shares = archive.keyring.reshare(archive.require_secrets(), custodians, threshold)
    archive.replace_keyring(keyring)
    _ledger.record_event(
        archive, "reshare", {"custodians": str(custodians), "threshold": str(threshold)}
    )
    return shares


def change_passphrase(archive: Archive, passphrase: str) -> None:
    """Set or change the passphrase slot (records are not re-encrypted). Logged."""
    archive.replace_keyring(archive.keyring.with_passphrase(archive.require_secrets(), passphrase))
    _ledger.record_event(archive, "reshare", {"passphrase": CHANGED})
