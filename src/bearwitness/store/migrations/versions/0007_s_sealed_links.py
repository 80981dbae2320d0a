"""links between records sealed: no clear row tells which records are one person

Until now a locked archive kept in the clear which person records linkage put
together: ``person_records.person_id``, every run's ``link_pairs`` and
``link_clusters``, and the two record ids of every review decision. Whoever held
the database could pair up list entries and combine what each list says. Now a
run's pairs and clusters are sealed with the run (``link_runs.sealed``), a
decision's two ids are sealed (``link_decisions.pair``) and ``person_id`` is a
sealed field of the person record.

This migration has no data key, so:

- ``link_pairs`` and ``link_clusters`` are dropped. The runs stay, with their
  counts and commitments (their log entries still verify); the next unlocked
  ``bearwitness link`` computes a new run, whose pairs and clusters are sealed
  and whose capture-history counts (an aggregate) are kept clear in the new
  ``link_runs.histories`` column, which older runs leave empty.
- ``person_records.person_id`` is dropped. Every person record is listed in
  ``legacy_person_rows``: the next unlocked ``link`` reads its person from the
  record's sealed version history and writes it anew with the person sealed.
- each review decision's two ids are sealed to the archive's public recipient
  (age, as the locked intake seals submissions), since the reviewers' work cannot
  be recomputed. The caller passes that sealing in (``seal_pair``); without it,
  an archive holding decisions is refused rather than left in the clear.

On SQLite freed pages are overwritten (secure delete), and ``migrate`` empties
the WAL afterwards. Downgrade is refused: the clear ids cannot be restored
without the keys.

Revision ID: 0007_s_sealed_links
Revises: 0006_d_sealed_strata
"""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from alembic import context, op

from bearwitness.errors import ArchiveError

revision = "0007_s_sealed_links"
down_revision = "0006_d_sealed_strata"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("PRAGMA secure_delete = ON")  # freed bytes are zeroed, not left behind
    # Each step looks first: a schema that already has it (a database stamped back to an
    # older revision, as a test does) is left as it is.
    found = sa.inspect(bind)
    tables = set(found.get_table_names())
    decision_columns = {column["name"] for column in found.get_columns("link_decisions")}
    record_columns = {column["name"] for column in found.get_columns("person_records")}
    decisions = (
        bind.execute(
            sa.text("SELECT idx, left_id, right_id FROM link_decisions ORDER BY idx")
        ).all()
        if "left_id" in decision_columns
        else []
    )
    seal: Callable[[bytes], bytes] | None = context.config.attributes.get("seal_pair")
    if decisions and seal is None:
        raise ArchiveError(
            "this archive holds review decisions whose record ids must be sealed, and "
            "the upgrade was given no key to seal them to",
            hint="Open the archive with any `bearwitness` command: it upgrades it with the "
            "archive's public key.",
        )
    if "histories" not in {column["name"] for column in found.get_columns("link_runs")}:
        with op.batch_alter_table("link_runs", schema=None) as batch_op:
            batch_op.add_column(sa.Column("histories", sa.Text(), nullable=True))
    if "legacy_person_rows" not in tables:
        op.create_table(
            "legacy_person_rows",
            sa.Column("id", sa.String(length=64), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_person_rows")),
        )
    if "person_id" in record_columns:
        op.execute(
            "INSERT INTO legacy_person_rows (id, version) SELECT id, version FROM person_records"
        )
        with op.batch_alter_table("person_records", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_person_records_person_id"))
            batch_op.drop_constraint(batch_op.f("fk_person_records_person_id"), type_="foreignkey")
            batch_op.drop_column("person_id")
    if "link_clusters" in tables:
        with op.batch_alter_table("link_clusters", schema=None) as batch_op:
            batch_op.drop_index("ix_link_clusters_person_id")
        op.drop_table("link_clusters")
    if "link_pairs" in tables:
        op.drop_table("link_pairs")
    if "left_id" not in decision_columns:
        return
    with op.batch_alter_table("link_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pair", sa.LargeBinary(), nullable=True))
    for idx, left, right in decisions:
        assert seal is not None
        sealed = seal(json.dumps({"left_id": left, "right_id": right}).encode())
        bind.execute(
            sa.text("UPDATE link_decisions SET pair = :pair WHERE idx = :idx"),
            {"pair": sealed, "idx": idx},
        )
    with op.batch_alter_table("link_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_link_decisions_pair")
        batch_op.drop_column("left_id")
        batch_op.drop_column("right_id")
        batch_op.alter_column("pair", existing_type=sa.LargeBinary(), nullable=False)


def downgrade() -> None:
    raise RuntimeError(
        "links between records are sealed from revision 0007_s_sealed_links on; the clear "
        "ids the older schema kept cannot be restored without the archive's keys"
    )
