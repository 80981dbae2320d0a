from __future__ import annotations

import pytest

from bearwitness.crypto import ArchiveSecrets, create_secrets
from bearwitness.errors import ArchiveError


def test_new_secrets_are_an_age_identity_and_a_32_byte_key() -> None:
    s = create_secrets()
    assert s.identity.startswith("AGE-SECRET-KEY-1")
    assert s.recipient.startswith("age1")
    assert len(s.data_key) == 32
    assert create_secrets().data_key != s.data_key


def test_repr_and_str_never_show_the_secrets(secrets: ArchiveSecrets) -> None:
    for text in (repr(secrets), str(secrets), f"{secrets}", repr([secrets])):
        assert secrets.identity not in text
        assert secrets.identity[16:40] not in text
        assert secrets.data_key.hex()[:16] not in text
        assert secrets.recipient in text


def test_subkeys_are_stable_separate_and_not_the_data_key(secrets: ArchiveSecrets) -> None:
    a = secrets.subkey("search-index")
    assert a == secrets.subkey("search-index")
    assert len(a) == 32
    assert a != secrets.subkey("blind-index")
    assert a != secrets.data_key
    other = ArchiveSecrets(identity=secrets.identity, data_key=bytes(32))
    assert other.subkey("search-index") != a


@pytest.mark.parametrize("purpose", ["", "naïve", "tab\there"])
def test_subkey_purpose_must_be_a_plain_name(secrets: ArchiveSecrets, purpose: str) -> None:
    with pytest.raises(ValueError):
        secrets.subkey(purpose)


def test_secrets_reject_a_bad_key_or_identity(secrets: ArchiveSecrets) -> None:
    with pytest.raises(ArchiveError):
        ArchiveSecrets(identity=secrets.identity, data_key=b"short")
    with pytest.raises(ArchiveError):
        ArchiveSecrets(identity="AGE-SECRET-KEY-1NOTAKEY", data_key=bytes(32))


def test_rotated_secrets_keep_every_generation_and_round_trip(secrets: ArchiveSecrets) -> None:
    newer = secrets.rotated().rotated()
    assert newer.generation == 3 and newer.generations_held() == [1, 2, 3]
    assert newer.identities[-1] == secrets.identity and newer.identity != secrets.identity
    assert newer.subkey("search-index", generation=1) == secrets.subkey("search-index")
    assert ArchiveSecrets.from_payload(newer.to_payload()) == newer
    assert secrets.identity not in repr(newer) and newer.identities[1] not in repr(newer)
    with pytest.raises(ArchiveError, match="generation 4, which this unlock does not hold"):
        newer.subkey("search-index", generation=4)
    with pytest.raises(ArchiveError, match="out of order"):
        ArchiveSecrets(secrets.identity, secrets.data_key, 1, newer.older)
    with pytest.raises(ArchiveError, match="malformed"):
        ArchiveSecrets.from_payload({"identity": secrets.identity})
