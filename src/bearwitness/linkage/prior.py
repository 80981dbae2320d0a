"""Starting m probabilities for the linkage model, learned once from FICTIONAL synthetic lists.

EM estimates each comparison level's m probability (how often true matches
show that level) from the records themselves, without labels. On a few
hundred records (one organisation's lists, the demo) some EM sessions cannot
run: a level never occurs among the matches of their sample, and Splink
refuses an m of zero. Without a starting point those levels keep Splink's
generic defaults and almost nothing links.

So the model starts from m probabilities that EM learned on the seeded
synthetic generator (:mod:`bearwitness.linkage.synthetic`, 5,000 people, the
same hidden population, list habits and errors the benchmark uses), kept as
data in ``data/m_prior.json``. EM then re-estimates them from the real records
wherever the data allow; u probabilities always come from the real records.
Regenerate the file after changing the comparisons in :mod:`model`::

    .venv/bin/python -m bearwitness.linkage.prior
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

PRIOR_FILE = "m_prior.json"
TRAINING_PEOPLE = 5_000
TRAINING_SEED = 2024

MProbabilities = dict[str, dict[str, float]]  # comparison -> level label -> m


@cache
def m_prior() -> MProbabilities:
    """The shipped starting m probabilities (empty if the file is absent)."""
    path = resources.files("bearwitness.linkage.data").joinpath(PRIOR_FILE)
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: {label: float(m) for label, m in levels.items()}
        for name, levels in data["m_probabilities"].items()
    }


def m_probabilities(model_json: dict[str, Any]) -> MProbabilities:
    """The m probabilities of a Splink model, by comparison and level label."""
    found: MProbabilities = {}
    for comparison in model_json["comparisons"]:
        levels = {
            level["label_for_charts"]: float(level["m_probability"])
            for level in comparison["comparison_levels"]
            if not level.get("is_null_level") and level.get("m_probability") is not None
        }
        if levels:
            found[comparison["output_column_name"]] = levels
    return found


def with_m_prior(model_json: dict[str, Any], prior: MProbabilities) -> dict[str, Any]:
    """``model_json`` with each level's m taken from ``prior`` where the prior knows it.

    A comparison whose levels differ from the prior's (the model changed since
    the prior was learned) keeps its own values.
    """
    for comparison in model_json["comparisons"]:
        known = prior.get(comparison["output_column_name"])
        levels = [
            level for level in comparison["comparison_levels"] if not level.get("is_null_level")
        ]
        if known is None or {level["label_for_charts"] for level in levels} != set(known):
            continue
        for level in levels:
            level["m_probability"] = known[level["label_for_charts"]]
    return model_json


def learn(people: int = TRAINING_PEOPLE, seed: int = TRAINING_SEED) -> MProbabilities:
    """Train the model by EM (with no prior) on synthetic lists; its m probabilities."""
    from bearwitness.linkage.engine import duckdb_api
    from bearwitness.linkage.features import build_features
    from bearwitness.linkage.linker import link
    from bearwitness.linkage.options import LinkOptions
    from bearwitness.linkage.synthetic import generate

    data = generate(people, seed=seed)
    result = link(
        build_features(data.records), duckdb_api(), options=LinkOptions(use_m_prior=False)
    )
    if result.notes:
        raise RuntimeError(f"EM did not run fully on the synthetic lists: {result.notes}")
    return m_probabilities(result.model_json)


def main() -> None:
    learned = learn()
    target = resources.files("bearwitness.linkage.data").joinpath(PRIOR_FILE)
    document = {
        "about": "Starting m probabilities for bearwitness.linkage, learned by EM on "
        f"FICTIONAL synthetic lists ({TRAINING_PEOPLE} people, seed {TRAINING_SEED}); "
        "see bearwitness/linkage/prior.py.",
        "m_probabilities": learned,
    }
    with resources.as_file(target) as path:
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(
            f"wrote {path}: {sum(len(v) for v in learned.values())} levels "
            f"in {len(learned)} comparisons"
        )


if __name__ == "__main__":
    main()
