from __future__ import annotations

from bearwitness.linkage.synthetic import generate


def test_same_seed_same_data() -> None:
    first, second = generate(80, seed=1), generate(80, seed=1)
    assert first.records.equals(second.records)
    assert not first.records.equals(generate(80, seed=2).records)


def test_data_is_marked_fictional_and_has_a_truth() -> None:
    data = generate(80, seed=1)
    assert (data.records["note"].str.contains("FICTIONAL")).all()
    keys = data.records["list"] + ":" + data.records["record_id"]
    assert set(keys) == set(data.truth.index)


def test_lists_overlap_and_differ_in_script() -> None:
    data = generate(300, seed=1)
    per_person = data.truth.groupby(data.truth).size()
    assert (per_person > 1).mean() > 0.3  # overlapping samples
    cyrillic = data.records["full_name"].str.contains("[А-Яа-я]", regex=True)
    by_list = cyrillic.groupby(data.records["list"]).mean()
    assert by_list["memorial_ru"] > 0.9 and by_list["network_en"] < 0.1
    assert data.truth.nunique() < 300  # some people nobody recorded
