"""Field sealing throughput: seal and open N values of SIZE bytes with FieldSealer.

Run: .venv/bin/python bench/seal.py [N] [SIZE]   (defaults 100000 and 2048)
Also times one passphrase unlock at the production Argon2id parameters.
"""

from __future__ import annotations

import os
import sys
import time

from bearwitness.crypto import FieldSealer, KdfParams, Keyring, create_secrets


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 2048
    secrets = create_secrets()
    sealer = FieldSealer(secrets.data_key)
    values = [os.urandom(size) for _ in range(n)]
    contexts = [f"person:P-{i:06d}:narrative:v1".encode() for i in range(n)]

    start = time.perf_counter()
    sealed = [sealer.seal(v, c) for v, c in zip(values, contexts, strict=True)]
    seal_s = time.perf_counter() - start

    start = time.perf_counter()
    for s, c in zip(sealed, contexts, strict=True):
        sealer.open(s, c, what="bench")
    open_s = time.perf_counter() - start

    mib = n * size / 2**20
    print(f"input: {n} values x {size} bytes = {mib:.1f} MiB")
    print(f"seal: {seal_s:.3f} s  ({n / seal_s:,.0f} values/s, {mib / seal_s:.0f} MiB/s)")
    print(f"open: {open_s:.3f} s  ({n / open_s:,.0f} values/s, {mib / open_s:.0f} MiB/s)")

    params = KdfParams()
    keyring, _ = Keyring.create(secrets, passphrase="bench passphrase words", kdf_params=params)
    start = time.perf_counter()
    keyring.unlock_with_passphrase("bench passphrase words")
    print(
        f"passphrase unlock (Argon2id t={params.time_cost}, m={params.memory_kib} KiB, "
        f"p={params.parallelism}): {time.perf_counter() - start:.3f} s"
    )


if __name__ == "__main__":
    main()
