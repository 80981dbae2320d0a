from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from bearwitness.cli import link as link_cli
from bearwitness.errors import InputError
from bearwitness.linkage.synthetic import generate

ROLES = [
    "record_id",
    "full_name",
    "surname",
    "given_name",
    "patronymic",
    "sex",
    "birth",
    "age",
    "residence",
    "event_type",
    "event_date",
    "event_place",
]


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    link_cli.register(app)
    return app


@pytest.fixture
def lists(tmp_path: Path) -> tuple[list[Path], Path, pd.Series]:
    data = generate(120, seed=9)
    files, spec = [], []
    for name, group in data.records.groupby("list"):
        path = tmp_path / f"{name}.csv"
        group.drop(columns="list").rename(columns=str.upper).to_csv(path, index=False)
        files.append(path)
        spec.append(f"[lists.{name}]")
        spec += [
            f'{role} = "{role.upper()}"'
            for role in ROLES
            if role in group and (group[role] != "").any()
        ]
        spec.append('reference_date = "2019"')
    columns = tmp_path / "columns.toml"
    columns.write_text("\n".join(spec), "utf-8")
    return files, columns, data.truth


def test_link_lists_writes_clusters_pairs_and_histories(
    app: typer.Typer, lists: tuple[list[Path], Path, pd.Series], tmp_path: Path
) -> None:
    files, columns, truth = lists
    out, pairs, histories = tmp_path / "c.csv", tmp_path / "p.csv", tmp_path / "h.csv"
    result = CliRunner().invoke(
        app,
        [
            "link",
            "lists",
            *map(str, files),
            "--columns",
            str(columns),
            "--out",
            str(out),
            "--pairs-out",
            str(pairs),
            "--histories-out",
            str(histories),
            "--strata",
            "period",
        ],
    )
    assert result.exit_code == 0, result.output
    clusters = pd.read_csv(out, dtype=str)
    assert list(clusters.columns) == ["record_id", "cluster_id", "list", "link_probability"]
    assert len(clusters) == len(truth)
    assert list(pd.read_csv(pairs).columns) == ["left_id", "right_id", "probability"]
    table = pd.read_csv(histories)
    assert list(table.columns) == [*sorted(p.stem for p in files), "period", "count"] or list(
        table.columns
    ) == [*[p.stem for p in files], "period", "count"]

    labels = tmp_path / "labels.csv"
    pd.DataFrame(
        {
            "list": [k.split(":")[0] for k in truth.index],
            "record_id": [k.split(":")[1] for k in truth.index],
            "person_id": truth.to_numpy(),
        }
    ).to_csv(labels, index=False)
    report = CliRunner().invoke(
        app,
        [
            "link",
            "report",
            "--clusters",
            str(out),
            "--pairs",
            str(pairs),
            "--labels",
            str(labels),
            "--top",
            "3",
        ],
    )
    assert report.exit_code == 0, report.output
    assert "pairwise" in report.output and "B-cubed" in report.output
    assert "Cluster sizes" in report.output and "Most uncertain links" in report.output


def test_unreadable_values_are_reported_per_row(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(
        "id,name,when\n1,Иван Петров,когда-то\n2,Anna Petrova,2018\n3,Ivan Petrov,2018\n", "utf-8"
    )
    (tmp_path / "cols.toml").write_text(
        '[lists.a]\nrecord_id = "id"\nfull_name = "name"\nevent_date = "when"\n', "utf-8"
    )
    problems = tmp_path / "problems.csv"
    result = CliRunner().invoke(
        app,
        [
            "link",
            "lists",
            str(tmp_path / "a.csv"),
            "--columns",
            str(tmp_path / "cols.toml"),
            "--out",
            str(tmp_path / "out.csv"),
            "--problems-out",
            str(problems),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "record 1, event_date" in result.output
    assert pd.read_csv(problems, dtype=str).to_dict("records") == [
        {
            "list": "a",
            "record_id": "1",
            "role": "event_date",
            "reason": "not a date this tool reads",
        }
    ]
    assert len(pd.read_csv(tmp_path / "out.csv")) == 3  # nothing dropped


def test_a_file_without_a_columns_table_is_refused(
    app: typer.Typer, lists: tuple[list[Path], Path, pd.Series], tmp_path: Path
) -> None:
    files, _, _ = lists
    columns = tmp_path / "partial.toml"
    columns.write_text('[lists.other]\nfull_name = "X"\n', "utf-8")
    result = CliRunner().invoke(
        app,
        [
            "link",
            "lists",
            str(files[0]),
            "--columns",
            str(columns),
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert isinstance(result.exception, InputError)
    assert not (tmp_path / "o.csv").exists()


def test_unknown_role_is_refused(
    app: typer.Typer, lists: tuple[list[Path], Path, pd.Series], tmp_path: Path
) -> None:
    files, _, _ = lists
    columns = tmp_path / "bad.toml"
    columns.write_text(f'[lists.{files[0].stem}]\nshoe_size = "X"\n', "utf-8")
    result = CliRunner().invoke(
        app,
        [
            "link",
            "lists",
            str(files[0]),
            "--columns",
            str(columns),
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert isinstance(result.exception, InputError)
