"""The untouched test data: independent of the generator the model was tuned on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bearwitness.linkage as linkage
from bearwitness.linkage.independent import generate, transliterate

PACKAGE = Path(linkage.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_it_shares_nothing_with_the_tuning_generator_or_the_normaliser() -> None:
    imports = _imports(PACKAGE / "independent.py")
    assert not {m for m in imports if m.startswith("bearwitness")}


def test_no_product_module_tunes_on_it() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.name != "independent.py":
            assert "bearwitness.linkage.independent" not in _imports(path), path


@pytest.mark.parametrize(
    ("system", "expected"),
    [  # shared/specs/transliteration.md, "Examples through iuliia"
        ("bgn_pcgn", "Zelimkhan Yusupov"),
        ("icao", "Zelimkhan Iusupov"),
        ("gost_b", "Zelimxan Yusupov"),
        ("press", "Zelimkhan Yusupov"),
        ("french", "Zelimkhan Ioussoupov"),
        ("german", "Selimchan Jussupow"),
    ],
)
def test_its_own_transliteration_follows_the_standards(system: str, expected: str) -> None:
    assert transliterate("Зелимхан Юсупов", system) == expected


def test_same_seed_same_data_marked_fictional_with_a_truth() -> None:
    first, second = generate(150, seed=3), generate(150, seed=3)
    assert first.records.equals(second.records)
    assert (first.records["note"].str.contains("FICTIONAL")).all()
    keys = first.records["list"] + ":" + first.records["record_id"]
    assert set(keys) == set(first.truth.index)


def test_it_has_families_siblings_share_a_surname_and_a_village() -> None:
    data = generate(400, seed=3)
    records = data.records[data.records["list"] == "pravozashchita"]
    person = data.truth.reindex(records["list"] + ":" + records["record_id"]).to_numpy()
    surname = records["full_name"].str.split(" ").str[0].str.removesuffix("а")
    households = records.assign(person=person, surname=surname).groupby(["surname", "residence"])[
        "person"
    ]
    assert (households.nunique() > 1).sum() > 10  # namesakes and siblings abound
