"""Estimate runs kept in an archive are committed to its log, and verified like records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update

from bearwitness.errors import LockedError
from bearwitness.services import checkpoints
from bearwitness.services._ledger import append_entries, sync_log
from bearwitness.services.archive import Archive
from bearwitness.services.estimates import (
    get_estimate,
    list_estimates,
    record_estimate,
    seal_kept_strata,
)
from bearwitness.services.verification import verify_archive
from bearwitness.store.schema import estimate_runs
from bearwitness.tlog.entry import LogEntry, canonical_json, commit
from tests.cli.runner import Cli

RESULT = {
    "format": "FICTIONAL",
    "method": "loglinear",
    "n_observed": 203,
    "N": {"median": 332.0, "lower": 285.0, "upper": 394.0},
}
CANARY_PLACE = "kanareikinozx"  # a FICTIONAL place key, as linkage gives it
STRATIFIED = {
    **RESULT,
    "inputs": {"lists": ["a", "b"], "strata_columns": ["place"]},
    "strata": {
        CANARY_PLACE: {"n_observed": 120, "N": {"median": 190.0}},
        "argun": {"n_observed": 83, "N": {"median": 142.0}},
    },
    "warnings": [f"Few people (stratum {CANARY_PLACE})."],
}


def _kept(archive: Archive) -> bytes:
    """What the archive's database holds of estimate runs: every file of an SQLite
    archive, or the table's columns on PostgreSQL (whose files are not ours to read)."""
    if archive.engine.dialect.name == "sqlite":
        return b"".join(path.read_bytes() for path in archive.folder.glob("archive.db*"))
    with archive.engine.connect() as connection:
        return repr(connection.execute(select(estimate_runs)).all()).encode()


def _locked(archive: Archive) -> Archive:
    return Archive.open(archive.folder)


def test_a_kept_estimate_is_logged_and_verified(archive: Archive) -> None:
    kept = record_estimate(archive, RESULT, inputs_sha256="ab" * 32)
    assert kept.id == "ES-0001" and get_estimate(archive, "ES-0001").result == RESULT
    checkpoints.sign_new_checkpoint(archive)
    assert verify_archive(archive).ok

    with archive.engine.begin() as connection:
        connection.execute(
            update(estimate_runs).values(result='{"N":{"lower":1,"median":1,"upper":1}}')
        )
    assert any("estimate ES-0001" in p and "altered" in p for p in verify_archive(archive).problems)

    with archive.engine.begin() as connection:
        connection.execute(delete(estimate_runs))
    assert list_estimates(archive) == []
    assert any("estimate ES-0001 is logged but gone" in p for p in verify_archive(archive).problems)


def test_estimate_from_a_csv_kept_in_an_archive(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "session")
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin="a long FICTIONAL passphrase\n")
    histories = tmp_path / "histories.csv"
    histories.write_text(
        "a,b,c,count\n1,0,0,60\n0,1,0,50\n0,0,1,45\n1,1,0,20\n1,0,1,15\n0,1,1,12\n1,1,1,6\n"
    )
    # Locked is enough: a result holds no names, and the log needs no key to append.
    done = cli("estimate", histories, "--method", "loglinear", "--archive", archive)
    assert "Kept as ES-0001" in done.stdout
    listed = cli("estimates", archive).stdout
    assert "ES-0001" in listed and "loglinear" in listed and "documented 208" in listed
    shown = cli("estimates", archive, "--show", "ES-0001").stdout
    assert '"method": "loglinear"' in shown
    # By stratum, the labels are kept sealed: that needs the keys, asked for before sampling.
    places = tmp_path / "places.csv"
    places.write_text(
        "a,b,place,count\n1,0,FICTIONALville,30\n0,1,FICTIONALville,20\n"
        "1,1,FICTIONALville,9\n1,0,Otherton,25\n0,1,Otherton,21\n1,1,Otherton,8\n"
    )
    refused = cli(
        "estimate",
        places,
        "--method",
        "loglinear",
        "--strata",
        "place",
        "--archive",
        archive,
        ok=False,
    )
    assert refused.returncode == 5 and "unlock" in refused.stderr
    assert "Documented" not in refused.stdout


def test_a_stratified_estimate_keeps_its_strata_sealed(archive: Archive) -> None:
    kept = record_estimate(archive, STRATIFIED, inputs_sha256="ab" * 32)
    assert CANARY_PLACE.encode() not in _kept(archive)
    assert kept.result == STRATIFIED and not kept.sealed
    checkpoints.sign_new_checkpoint(archive)
    assert verify_archive(archive).ok
    with _locked(archive) as locked:
        shown = get_estimate(locked, kept.id)
        assert shown.sealed and "strata" not in shown.result and "warnings" not in shown.result
        assert shown.result["N"] == STRATIFIED["N"]  # the totals stay readable
        assert [run.sealed for run in list_estimates(locked)] == [True]
        assert verify_archive(locked).ok
        with pytest.raises(LockedError):  # no key to seal the strata with
            record_estimate(locked, STRATIFIED, inputs_sha256="ab" * 32)


def test_an_altered_stratified_estimate_fails_verify_locked_and_unlocked(archive: Archive) -> None:
    record_estimate(archive, STRATIFIED, inputs_sha256="ab" * 32)
    with archive.engine.connect() as connection:
        clear = connection.execute(select(estimate_runs.c.result)).scalar_one()
    edited = clear.replace('"median":332', '"median":1000')
    assert edited != clear
    with archive.engine.begin() as connection:
        connection.execute(update(estimate_runs).values(result=edited))
    with _locked(archive) as locked:
        assert any(
            "estimate ES-0001" in p and "altered" in p for p in verify_archive(locked).problems
        )
    assert any("estimate ES-0001" in p for p in verify_archive(archive).problems)


def test_strata_kept_in_the_clear_before_are_sealed_at_unlock(archive: Archive) -> None:
    # A run as revision 0005 kept it: the whole result, strata and salt in the clear.
    data, salt = canonical_json(STRATIFIED), b"\x07" * 32
    with archive.engine.begin() as connection:
        connection.execute(
            insert(estimate_runs).values(
                id="ES-0001",
                actor="U-local",
                recorded_at="2026-01-01T00:00:00Z",
                method="loglinear",
                link_run_id=None,
                inputs_sha256="ab" * 32,
                result=data.decode(),
                salt=salt,
                sealed=None,
                commitment=commit(salt, data),
            )
        )
        append_entries(
            connection,
            [
                LogEntry(
                    kind="estimate",
                    record_type="estimate",
                    record_id="ES-0001",
                    version=1,
                    commitment=commit(salt, data),
                    actor="U-local",
                    time="2026-01-01T00:00:00Z",
                )
            ],
        )
    sync_log(archive)
    assert CANARY_PLACE.encode() in _kept(archive)

    assert seal_kept_strata(archive) == 1
    assert seal_kept_strata(archive) == 0  # once
    assert CANARY_PLACE.encode() not in _kept(archive)
    assert get_estimate(archive, "ES-0001").result == STRATIFIED
    checkpoints.sign_new_checkpoint(archive)
    assert verify_archive(archive).ok
    with _locked(archive) as locked:
        assert get_estimate(locked, "ES-0001").sealed
        assert verify_archive(locked).ok
    with archive.engine.connect() as connection:
        stored = connection.execute(select(estimate_runs)).one()
    assert stored.salt is None and json.loads(stored.result).get("strata") is None
