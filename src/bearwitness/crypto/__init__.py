"""bearwitness.crypto: the only package that touches cryptographic primitives.

Key hierarchy::

    age X25519 identity (AGE-SECRET-KEY-1...)        the archive's master secret
     │   its recipient (age1...) is public: intake needs only that
     ├── opens evidence files and intake submissions (age, to the recipient)
     └── opens the data key (32 bytes, age-encrypted inside keyring.json)
          ├── seals fields: XChaCha20-Poly1305, record-bound associated data
          └── subkey(purpose): HKDF-SHA256, e.g. the search index key

    unlock slots in keyring.json, each wrapping the identity
    (XChaCha20-Poly1305, the slot's metadata as associated data):
     ├── passphrase: Argon2id(passphrase, salt, t, m, p) -> slot key
     └── custodians: random 32-byte slot key, Shamir k-of-n shares
         (pycryptodome shares 16 bytes: two halves, same share index)

Changing the passphrase or re-sharing replaces a slot only: nothing sealed is
re-encrypted. Rotating makes a new generation of identity and data key for
what is written next, and keeps the older ones sealed under the new data key.
A locked process holds only the recipient.

Modules: ``keys`` (ArchiveSecrets), ``kdf`` (Argon2id), ``shares`` (Shamir and
the printed share format), ``slots`` (wrapping), ``keyring`` (keyring.json),
``seal`` (fields and small age values), ``files`` (evidence files),
``agent`` (the unlocked session's in-memory key holder), ``hardening`` (no core
dumps, no debugger, locked memory for the processes that hold keys).
"""

from bearwitness.crypto.kdf import KdfParams
from bearwitness.crypto.keyring import Keyring
from bearwitness.crypto.keys import ArchiveSecrets, create_secrets
from bearwitness.crypto.seal import FieldSealer, open_with_identity, seal_for_recipient

__all__ = [
    "ArchiveSecrets",
    "FieldSealer",
    "KdfParams",
    "Keyring",
    "create_secrets",
    "open_with_identity",
    "seal_for_recipient",
]
