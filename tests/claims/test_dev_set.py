"""A short run of bench/claims.py with the rules alone: the set reads, comments give nothing."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from bearwitness.claims import models
from bearwitness.domain.vocabulary import ACT_TYPES

BENCH = Path(__file__).parents[2] / "bench" / "claims.py"
spec = importlib.util.spec_from_file_location("bench_claims", BENCH)
assert spec is not None and spec.loader is not None
bench = importlib.util.module_from_spec(spec)
sys.modules["bench_claims"] = bench  # dataclasses look their module up
spec.loader.exec_module(bench)


def test_the_set_is_as_large_as_promised_and_well_formed() -> None:
    rows = [json.loads(line) for line in (bench.DATA / "real.jsonl").read_text().splitlines()]
    documents = {row["doc"] for row in rows}
    assert len(documents) >= 15 and sum(len(row["claims"]) for row in rows) >= 60
    assert {row["lang"] for row in rows} == {"en", "ru"}
    assert {row["split"] for row in rows} == {"dev", "heldout"}
    for row in rows:
        assert row["url"].startswith("http") and row["outlet"] and row["date"]
        for act, value, qualifier, stance, _ in row["claims"]:
            assert act in ACT_TYPES.codes and stance in ("assert", "deny")
            assert qualifier in (None, "exact", "approx", "at_least", "at_most", "range")
            assert value is None or isinstance(value, int)


def test_rules_alone_score_and_no_claim_from_comments() -> None:
    blank = {"en": models.NoEntities(), "ru": models.NoEntities()}
    fictional = bench.run(bench.fictional_cases(), blank)
    assert fictional.comment_claims == 0 and fictional.f1 >= 0.85
    assert all(case.comments_at for case in bench.fictional_cases()[1:])
    assert bench.run(bench.real_cases("dev"), blank).f1 >= 0.85
