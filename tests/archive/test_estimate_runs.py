"""Estimate runs kept in an archive are committed to its log, and verified like records."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, update

from bearwitness.services import checkpoints
from bearwitness.services.archive import Archive
from bearwitness.services.estimates import get_estimate, list_estimates, record_estimate
from bearwitness.services.verification import verify_archive
from bearwitness.store.schema import estimate_runs
from tests.cli.runner import Cli

RESULT = {"format": "FICTIONAL", "method": "loglinear", "n_observed": 203,
          "N": {"median": 332.0, "lower": 285.0, "upper": 394.0}}


def test_a_kept_estimate_is_logged_and_verified(archive: Archive) -> None:
    kept = record_estimate(archive, RESULT, inputs_sha256="ab" * 32)
    assert kept.id == "ES-0001" and get_estimate(archive, "ES-0001").result == RESULT
    checkpoints.sign_new_checkpoint(archive)
    assert verify_archive(archive).ok

    with archive.engine.begin() as connection:
        connection.execute(update(estimate_runs).values(
            result='{"N":{"lower":1,"median":1,"upper":1}}'))
    assert any("estimate ES-0001" in p and "altered" in p
               for p in verify_archive(archive).problems)

    with archive.engine.begin() as connection:
        connection.execute(delete(estimate_runs))
    assert list_estimates(archive) == []
    assert any("estimate ES-0001 is logged but gone" in p
               for p in verify_archive(archive).problems)


def test_estimate_from_a_csv_kept_in_an_archive(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "session")
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin="a long FICTIONAL passphrase\n")
    histories = tmp_path / "histories.csv"
    histories.write_text("a,b,c,count\n1,0,0,60\n0,1,0,50\n0,0,1,45\n1,1,0,20\n"
                         "1,0,1,15\n0,1,1,12\n1,1,1,6\n")
    # Locked is enough: a result holds no names, and the log needs no key to append.
    done = cli("estimate", histories, "--method", "loglinear", "--archive", archive)
    assert "Kept as ES-0001" in done.stdout
    listed = cli("estimates", archive).stdout
    assert "ES-0001" in listed and "loglinear" in listed and "documented 208" in listed
    shown = cli("estimates", archive, "--show", "ES-0001").stdout
    assert '"method": "loglinear"' in shown
