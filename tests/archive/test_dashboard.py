"""The start page's figures: counted from clear columns with a known truth, the same
locked as unlocked (titles aside), nothing written; boundary files checked and drawn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.records import Act, Document, Event, Intervention, Person, Record
from bearwitness.services import boundaries, dashboard, writing
from bearwitness.services.archive import Archive
from bearwitness.services.status import documented_people


def _records() -> list[Record]:
    def month(text: str) -> PartialDateRange:
        return PartialDateRange.parse(text)

    found: list[Record] = [
        Event(
            id="E-0001",
            fictional=True,
            date=month("2019-01"),
            district="North",
            title="FICTIONAL raid one",
        ),
        Event(
            id="E-0002",
            fictional=True,
            date=month("2019-03-05"),
            district="South",
            title="FICTIONAL raid two",
        ),
        Event(id="E-0003", fictional=True, title="FICTIONAL undated, no district"),
        Person(id="P-0001", fictional=True, full_name="FICTIONAL Ivan Petrov"),
    ]
    acts = [  # (event, type, date): two in January, one in March, one dated by year only
        ("E-0001", "torture", "2019-01"),
        ("E-0001", "arbitrary_detention", "2019-01-20"),
        ("E-0002", "torture", "2019-03"),
        ("E-0003", "torture", "2019"),
    ]
    for number, (event, kind, date) in enumerate(acts, start=1):
        found.append(
            Act(
                id=f"A-{number:04d}",
                fictional=True,
                event_id=event,
                victim_id="P-0001",
                act_type=kind,
                date=month(date),
            )
        )
    found += [
        Intervention(id="I-0001", fictional=True, person_id="P-0001", status="planned"),
        Intervention(id="I-0002", fictional=True, person_id="P-0001", status="done"),
        Document(id="D-0001", fictional=True, kind="submission", title="FICTIONAL"),
        Document(id="D-0002", fictional=True, kind="testimony", title="FICTIONAL"),
    ]
    return found


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_the_figures_have_the_known_truth_and_work_locked(archive: Archive) -> None:
    writing.write_records(archive, _records())
    board = dashboard.dashboard(archive)
    assert [(m.month, m.counts) for m in board.months] == [
        ("2019-01", {"arbitrary_detention": 1, "torture": 1}),
        ("2019-02", {}),
        ("2019-03", {"torture": 1}),
    ]
    assert board.act_types == ("arbitrary_detention", "torture")
    assert board.not_by_month == 1  # the act dated "2019" is not put in January
    assert board.districts == (("North", 2), ("South", 1))
    assert board.no_district == 1
    assert (board.acts, board.events, board.persons) == (4, 3, 1)
    assert (board.open_cases, board.inbox_items) == (1, 1)
    assert [m.id for m in board.timeline] == ["E-0001", "E-0002", "E-0003"]  # undated last
    assert board.timeline[0].title == "FICTIONAL raid one"  # unlocked: opened in memory
    assert all(m.title == "" for m in dashboard.dashboard(archive, titles=False).timeline)
    assert board.people == documented_people(archive)  # one number, one function
    assert board.estimate == "" and board.map is None

    locked = Archive.open(archive.folder)
    try:
        before = _files(archive.folder)
        seen = dashboard.dashboard(locked)
        assert _files(archive.folder) == before  # reading the dashboard writes nothing
    finally:
        locked.close()
    assert all(m.title == "" for m in seen.timeline)
    assert (seen.months, seen.districts, seen.open_cases) == (
        board.months,
        board.districts,
        board.open_cases,
    )


def _collection(*features: object) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def _square(name: str, west: float) -> dict[str, object]:
    ring = [[west, 43.0], [west + 0.2, 43.0], [west + 0.2, 43.2], [west, 43.2], [west, 43.0]]
    return {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_a_boundary_file_is_drawn_as_svg_paths(tmp_path: Path) -> None:
    assert (
        boundaries.save(tmp_path, _collection(_square("North", 45.0), _square("South", 45.4))) == 2
    )
    drawn = boundaries.district_map(tmp_path)
    assert drawn is not None and not drawn.fictional
    assert [s.name for s in drawn.shapes] == ["North", "South"]
    assert drawn.shapes[0].path.startswith("M8.0,") and drawn.shapes[0].path.endswith("Z")
    assert drawn.shapes[0].x < drawn.shapes[1].x  # west is left
    schematic = boundaries.parse(boundaries.schematic(["A", "B", "C", "D"]))
    assert schematic[1] and [name for name, _ in schematic[0]] == ["A", "B", "C", "D"]


@pytest.mark.parametrize(
    ("feature", "number", "said"),
    [
        ({"type": "Feature", "properties": {}, "geometry": None}, 2, "it names no district"),
        ({"properties": {"name": "X"}, "geometry": {"type": "Point"}}, 2, "not a Polygon"),
        (
            {
                "properties": {"name": "X"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]},
            },
            2,
            "fewer than 3 points",
        ),
        (
            {
                "properties": {"name": "X"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [500, 0]]]},
            },
            2,
            "not on the Earth",
        ),
    ],
)
def test_a_bad_boundary_file_is_refused_naming_its_feature(
    tmp_path: Path, feature: dict[str, object], number: int, said: str
) -> None:
    boundaries.save(tmp_path, _collection(_square("Kept", 45.0)))
    before = (tmp_path / boundaries.FILE).read_bytes()
    with pytest.raises(boundaries.BoundaryRejected) as refused:
        boundaries.save(tmp_path, _collection(_square("North", 45.0), feature))
    assert refused.value.feature == number and said in refused.value.message
    assert f"feature {number}" in refused.value.message
    assert (tmp_path / boundaries.FILE).read_bytes() == before  # nothing was written


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    ["type", "features", "geometry", "properties", "coordinates", "name"]
                ),
                inner,
                max_size=4,
            )
        ),
    )
)
def test_any_json_is_drawn_or_refused_with_a_clear_error(document: object) -> None:
    data = json.dumps(document).encode()
    try:
        boundaries.parse(data)
    except boundaries.BoundaryRejected as error:
        assert error.message.startswith(boundaries.FILE)
