"""Transparency log: RFC 9162 Merkle tree, C2SP tiles, checkpoints, proofs, verification."""
