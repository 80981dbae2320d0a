from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from bearwitness.cli.main import app

runner = CliRunner()


@pytest.fixture()
def kosovo_csv(tmp_path: Path, reference: dict[str, Any]) -> Path:
    d = reference["kosovo_1999"]
    rows = [[int(ch) for ch in key] + [count] for key, count in d["patterns"].items()]
    path = tmp_path / "kosovo.csv"
    pd.DataFrame(rows, columns=[*d["lists"], "count"]).to_csv(path, index=False)
    return path


def test_loglinear_writes_json(kosovo_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = runner.invoke(
        app, ["estimate", str(kosovo_csv), "--method", "loglinear", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Documented: 4,400 people (a lower bound)." in result.output
    assert "[123,14,34]" in result.output
    data = json.loads(out.read_text())
    assert data["method"] == "loglinear" and data["n_observed"] == 4400
    assert data["N"]["median"] == pytest.approx(10_356.5, abs=0.1)
    assert data["N"]["lower"] == pytest.approx(8_994.3, abs=0.1)
    assert data["N"]["upper"] == pytest.approx(12_110.4, abs=0.1)
    assert data["inputs"]["lists"] == ["EXH", "ABA", "OSCE", "HRW"]


def test_lcmcr_is_reproducible_and_draws_charts(kosovo_csv: Path, tmp_path: Path) -> None:
    args = [
        "estimate",
        str(kosovo_csv),
        "--seed",
        "3",
        "--burnin",
        "500",
        "--samples",
        "100",
        "--thinning",
        "10",
        "--chains",
        "2",
    ]
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    charts = tmp_path / "charts"
    assert runner.invoke(app, [*args, "--out", str(first), "--charts", str(charts)]).exit_code == 0
    assert runner.invoke(app, [*args, "--out", str(second)]).exit_code == 0
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    assert a["N"] == b["N"] and a["seed"] == 3
    assert a["settings"]["K"] == 10 and a["settings"]["chains"] == 2
    assert "convergence" in a["strata"]["all"]["details"]
    for name in ["all-overlaps", "all-posterior"]:
        assert (charts / f"{name}.svg").read_text().lstrip().startswith("<?xml")
        assert (charts / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_stratified_dga(tmp_path: Path, reference: dict[str, Any]) -> None:
    frames = []
    for year, name in [("1998", "madigan_york_3list"), ("1999", "madigan_york_3list")]:
        d = reference[name]
        rows = [[int(ch) for ch in k] + [v, year] for k, v in d["patterns"].items()]
        frames.append(pd.DataFrame(rows, columns=[*d["lists"], "count", "year"]))
    path = tmp_path / "strata.csv"
    pd.concat(frames).to_csv(path, index=False)
    out = tmp_path / "r.json"
    charts = tmp_path / "charts"
    result = runner.invoke(
        app,
        [
            "estimate",
            str(path),
            "--method",
            "dga",
            "--strata",
            "year",
            "--out",
            str(out),
            "--charts",
            str(charts),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert set(data["strata"]) == {"1998", "1999"}
    assert data["strata"]["1998"]["N"]["median"] == 731  # dga, δ = 2^-3
    # The total of two identical independent strata is centred on twice one stratum.
    assert data["N"]["median"] == pytest.approx(2 * 731, abs=3)
    assert (charts / "strata.png").exists()


def test_bad_input_exits_with_code_2_and_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("A,B,count\n1,1,3\n1,0,2\n")
    done = subprocess.run(
        [sys.executable, "-m", "bearwitness.cli.main", "estimate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "at least 3" in done.stderr and "third list" in done.stderr


def test_records_and_pairs(tmp_path: Path) -> None:
    records = pd.DataFrame(
        {
            "record_id": range(12),
            "list": ["a", "b", "c", "a", "b", "c", "a", "b", "a", "c", "b", "c"],
        }
    )
    pairs = pd.DataFrame(
        {
            "left_id": [0, 1, 3, 6, 8, 10],
            "right_id": [1, 2, 4, 7, 9, 11],
            "probability": [0.9, 0.8, 0.7, 0.95, 0.6, 0.9],
        }
    )
    records.to_csv(tmp_path / "records.csv", index=False)
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    result = runner.invoke(
        app,
        [
            "estimate",
            "--records",
            str(tmp_path / "records.csv"),
            "--pairs",
            str(tmp_path / "pairs.csv"),
            "--method",
            "dga",
            "--linkages",
            "3",
            "--out",
            str(tmp_path / "r.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["inputs"]["linkage"]["linkages_sampled"] == 3
