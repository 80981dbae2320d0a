"""Rotating the archive's keys: new keys for what is written from now on, the old ones kept.

Re-sharing or a new passphrase re-wraps the same keys, so an old copy of
keyring.json opened with an old share or passphrase still reads everything
written later. Rotation makes a new generation of keys (a new age identity
and data key): records, files and submissions written after it are sealed
under them, which no old keyring opens. Nothing already sealed is
re-encrypted: the older generations' keys are kept inside the new keyring,
sealed under the new data key, so an unlock still opens every record.

The ODK key pair that field forms encrypt to is rotated with them: forms published from
then on (the incident form and the archive's own) carry the new public key, under a new
form version, so phones download them again. The old pairs are kept, so what a phone
encrypted with a form it downloaded before still folds.
"""

from __future__ import annotations

from dataclasses import dataclass

from bearwitness.crypto.kdf import KdfParams
from bearwitness.crypto.keys import ArchiveSecrets
from bearwitness.services import _ledger, checkpoints, field_forms, odk_keys
from bearwitness.services.archive import Archive


@dataclass(frozen=True)
class Rotation:
    secrets: ArchiveSecrets  # the new keys (all generations); hand them to the agent
    shares: list[str]  # the new custodian shares, if the archive has custodians
    odk_forms: tuple[str, ...] = ()  # the archive's own field forms re-keyed (ids)


def rotate_keys(
    archive: Archive,
    *,
    passphrase: str | None = None,
    custodians: tuple[int, int] | None = None,
    kdf_params: KdfParams | None = None,
) -> Rotation:
    """Rotate to the next key generation, with new unlock slots; logged (needs an unlock).

    The keyring is written first: if anything after it is interrupted, the
    new keyring already opens everything (the log key is then still sealed to
    the old recipient, which the new keyring holds).
    """
    keyring, secrets, shares = archive.current_keyring().rotate(
        archive.require_secrets(),
        passphrase=passphrase,
        custodians=custodians,
        kdf_params=kdf_params,
    )
    archive.install_rotated_keyring(keyring, secrets)
    checkpoints.reseal_log_key(archive)
    _ledger.record_event(
        archive, "rotate", {"generation": str(secrets.generation), "recipient": secrets.recipient}
    )
    # After the keyring: if this is interrupted, the old ODK key (sealed to a generation
    # the new keyring holds) stays in use, and everything still opens.
    odk_keys.rotate(archive)
    return Rotation(secrets, shares, tuple(field_forms.rekey(archive)))
