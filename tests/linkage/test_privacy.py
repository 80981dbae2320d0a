"""Linkage writes no plaintext to disk: canary names must not appear in any
file created in the temporary directory or the working directory during a run."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from bearwitness.linkage.engine import duckdb_api
from bearwitness.linkage.features import build_features
from bearwitness.linkage.linker import link
from bearwitness.linkage.normalise import fold, given_key, surname_key, transliterate
from bearwitness.linkage.synthetic import generate

CANARY_SURNAME = "Канареечников"
CANARY_GIVEN = "Зяблик"


def _canaries() -> list[bytes]:
    forms = {
        CANARY_SURNAME,
        CANARY_GIVEN,
        transliterate(CANARY_SURNAME, "bgn_pcgn"),
        fold(CANARY_SURNAME),
        surname_key(CANARY_SURNAME),
        given_key(CANARY_GIVEN),
    }
    out = []
    for form in forms:
        for variant in (form, form.lower(), form.upper()):
            out += [variant.encode("utf-8"), variant.encode("utf-16-le")]
    return out


def _files_touched_since(root: Path, since: float) -> list[Path]:
    found = []
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            try:
                if path.stat().st_mtime >= since:
                    found.append(path)
            except OSError:
                continue
    return found


def _leaks(paths: list[Path]) -> list[Path]:
    canaries = _canaries()
    leaking = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if any(c in data for c in canaries):
            leaking.append(path)
    return leaking


def test_duckdb_linkage_leaves_no_canary_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work, temp = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    temp.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    records = generate(150, seed=5).records
    canary_rows = pd.DataFrame(
        [
            {
                "list": "memorial_ru",
                "record_id": "CANARY-1",
                "full_name": f"{CANARY_SURNAME.upper()} {CANARY_GIVEN.upper()}",
                "birth": "1990",
            },
            {
                "list": "network_en",
                "record_id": "CANARY-2",
                "full_name": transliterate(f"{CANARY_GIVEN} {CANARY_SURNAME}", "wikipedia"),
                "age": "28",
                "event_date": "2018",
            },
        ]
    )
    start = time.time() - 1
    result = link(
        build_features(pd.concat([records, canary_rows], ignore_index=True)), duckdb_api()
    )
    clusters = result.records.set_index("record_key")["cluster_id"]
    assert clusters["memorial_ru:CANARY-1"] == clusters["network_en:CANARY-2"]  # it did run
    touched = _files_touched_since(temp, start) + _files_touched_since(work, start)
    # A library that ignores TMPDIR would write to /tmp itself.
    touched += _files_touched_since(Path("/tmp"), start)
    assert _leaks(touched) == []


def test_duckdb_cannot_spill_or_touch_files() -> None:
    api = duckdb_api()
    connection = api.duckdb_con
    assert connection.execute("SELECT current_setting('temp_directory')").fetchone() == ("",)
    with pytest.raises(Exception, match=r"(?i)disabled|permission|external"):
        connection.execute("COPY (SELECT 1) TO 'leak.csv'")
    with pytest.raises(Exception, match=r"(?i)lock|configuration"):
        connection.execute("SET temp_directory = '/tmp/spill'")
