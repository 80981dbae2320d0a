"""Write the FICTIONAL archive of revision 0006 that tests/archive/test_sealed_links.py upgrades.

Run it with the BearWitness of that revision (commit bf36dff, schema head
0006_d_sealed_strata), from a checkout of it, with this folder as the argument:

    PYTHONPATH=OLD_CHECKOUT/src python tests/data/archive-0006/make.py tests/data/archive-0006

It writes ``archive/``: 16 synthetic person records on three lists, linked once
(which kept its pairs, clusters and every record's person in the clear), two
review decisions (one reject, one accept, with clear record ids), and a
signed checkpoint. Passphrase: ``FICTIONAL fixture passphrase``; the KDF is the
tests' fast one.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bearwitness.crypto.kdf import KdfParams
from bearwitness.intake.importers import ImportRow
from bearwitness.linkage.synthetic import generate
from bearwitness.services import checkpoints, link_review, linking, writing
from bearwitness.services.archive import Archive

PASSPHRASE = "FICTIONAL fixture passphrase"
ROLES = ("full_name", "surname", "given_name", "patronymic", "sex", "birth", "age")


def main(folder: Path) -> None:
    target = folder / "archive"
    shutil.rmtree(target, ignore_errors=True)
    archive, _ = Archive.create(
        target, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    with archive:
        data = generate(12, seed=7)
        rows = [
            ImportRow(
                number,
                {
                    "type": "person_record",
                    "id": f"R-{number:04d}",
                    "fictional": True,
                    "list_name": row.list,
                    "list_record_id": row.record_id,
                    **{role: str(getattr(row, role) or "") for role in ROLES},
                },
            )
            for number, row in enumerate(data.records.itertuples(index=False), start=1)
        ]
        writing.write_records(archive, writing.resolve_rows(archive, rows, "fixture"))
        linking.link_archive(archive)
        queue = link_review.queue(archive, band=(0.0, 1.0))
        first, second = queue.iloc[0], queue.iloc[1]
        link_review.decide(archive, first.left_id, first.right_id, "reject", "FICTIONAL: no")
        link_review.decide(archive, second.left_id, second.right_id, "accept", "FICTIONAL: yes")
        checkpoints.sign_new_checkpoint(archive)
        with archive.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for leftover in target.glob("archive.db-*"):
        leftover.unlink()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
