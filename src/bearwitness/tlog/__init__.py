"""The transparency log: RFC 9162 Merkle tree, C2SP tiles, checkpoints, proofs, verification.

Public API, by module (each module's docstring has the details):

- :mod:`~bearwitness.tlog.entry`: :class:`LogEntry` (what the archive appends),
  ``to_bytes()`` / :func:`parse_entry` (RFC 8785 canonical JSON, strict),
  :func:`commit` (salted commitment, :data:`SALT_SIZE` = 32), :func:`canonical_json`,
  :func:`format_time`.
- :mod:`~bearwitness.tlog.tiles`: :class:`TileLog` (a C2SP tlog-tiles directory):
  ``size``, ``append(entries) -> root``, ``sync()``, ``discard()``, ``root()``,
  ``root_at(size)``, ``read_entry(i)``, ``inclusion_proof(i, size)``,
  ``consistency_proof(old, new)``, ``publish_checkpoint(note)``.
- :mod:`~bearwitness.tlog.note`: :class:`NoteSigner` (``generate``, ``key_text``),
  :class:`NoteVerifier` (``vkey``), :func:`parse_signer_key`, :func:`parse_verifier_key`,
  :func:`sign_note`, :func:`verify_note` (C2SP signed-note, Ed25519).
- :mod:`~bearwitness.tlog.checkpoint`: :class:`Checkpoint`, :func:`sign_checkpoint`,
  :func:`open_checkpoint` (signature, witness cosignatures, quorum), :func:`parse_checkpoint`.
- :mod:`~bearwitness.tlog.cosignature`: :func:`parse_witness_key`,
  :class:`CosignatureVerifier`, :class:`CosignatureSigner` (C2SP tlog-cosignature v1),
  :func:`witness_request` (tlog-witness add-checkpoint body), :func:`add_cosignatures`.
- :mod:`~bearwitness.tlog.timestamp`: :func:`request_timestamp`, :func:`http_transport`,
  :func:`verify_timestamp` (RFC 3161 over a signed checkpoint).
- :mod:`~bearwitness.tlog.verify`: :func:`verify_log` (whole directory, offline, older
  checkpoints, ``on_entry`` callback to compare with the database).
- :mod:`~bearwitness.tlog.proof`: C2SP tlog-proof files (``format_proof``, ``open_proof``).
- :mod:`~bearwitness.tlog.bundle`: :func:`write_bundle` (a proof bundle for one record
  or file, checked by ``tools/verify_bundle.py``).
- :mod:`~bearwitness.tlog.merkle` and :mod:`~bearwitness.tlog.layout`: the RFC 9162
  tree and the tile layout underneath.

Every verification raises :class:`bearwitness.errors.VerificationError` naming what
failed; nothing here returns ``False`` for "does not verify".
"""
