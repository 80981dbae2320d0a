from __future__ import annotations

import pytest

from bearwitness.linkage.normalise import (
    NameParts,
    given_key,
    parse_full_name,
    patronymic_key,
    sex_from_names,
    surname_key,
)


@pytest.mark.parametrize(
    "text",
    [
        "Магомед Хасанов",
        "Magomed Khasanov",
        "Mohammed Hasanov",
        "KHASANOV MAGOMED ISAEVICH",
        "Хасанов, Магомед",
        "Magomed Ibragimowitsch Chassanow",
    ],
)
def test_the_issues_four_spellings_share_keys(text: str) -> None:
    parts = parse_full_name(text)
    assert given_key(parts.given) == "muhammad"
    assert surname_key(parts.surname) == "hasanov"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Magomed", "Muhammad"),
        ("Ибрагим", "Ibrahim"),
        ("Хасан", "Hasan"),
        ("Зелимхан", "Zelimhan"),
        ("Хадижат", "Хадижа"),
        ("Петимат", "Fatima"),
        ("Саша", "Александр"),
        ("Мохмад", "Mohammed"),
    ],
)
def test_variant_families(a: str, b: str) -> None:
    assert given_key(a) == given_key(b)


def test_different_names_stay_different() -> None:
    assert given_key("Магомед") != given_key("Ибрагим")
    assert surname_key("Хасанов") != surname_key("Хусейнов")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Хасанова", "Хасанов"),
        ("Isayeva", "Исаев"),
        ("Магомадов", "Magomedov"),
        ("Ibragimov", "Ibrahimov"),
        ("Umarowa", "Umarov"),
    ],
)
def test_surname_endings_and_variants(a: str, b: str) -> None:
    assert surname_key(a) == surname_key(b)


def test_patronymics_key_to_the_fathers_name() -> None:
    assert patronymic_key("Исаевич") == patronymic_key("Isaevna") == given_key("Иса")
    assert patronymic_key("Ибрагимович") == patronymic_key("Ibraguimovitch") == "ibrahim"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Хасанов Магомед Исаевич", NameParts("Хасанов", "Магомед", "Исаевич")),
        ("Магомед Исаевич Хасанов", NameParts("Хасанов", "Магомед", "Исаевич")),
        ("Magomed Khasanov", NameParts("Khasanov", "Magomed", "")),
        ("KHASANOV Magomed", NameParts("KHASANOV", "Magomed", "")),
        ("Khasanov, Magomed", NameParts("Khasanov", "Magomed", "")),
        ("Marina Petrova", NameParts("Petrova", "Marina", "")),
    ],
)
def test_name_order(text: str, expected: NameParts) -> None:
    assert parse_full_name(text) == expected


def test_sex_from_the_name_itself() -> None:
    assert sex_from_names(NameParts("Хасанова", "Хадижат", "Исаевна")) == "f"
    assert sex_from_names(NameParts("Khasanov", "Magomed", "")) == "m"
    assert sex_from_names(NameParts("", "Хадижат", "")) == "f"
    assert sex_from_names(NameParts("", "", "")) == ""


def test_remarks_in_brackets_are_not_part_of_a_name() -> None:
    from bearwitness.linkage.normalise.names import parse_full_name

    parts = parse_full_name("KHASANOV MAGOMED (FICTIONAL) [brother of R-12]")
    assert (parts.surname, parts.given) == ("KHASANOV", "MAGOMED")
    assert parse_full_name("Хасанов (FICTIONAL), Магомед").given == "Магомед"
