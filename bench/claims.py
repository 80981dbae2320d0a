"""Claim extraction against the annotated development set, and its throughput.

    .venv/bin/python bench/claims.py [--blank] [--words 20000] [--cores 2]

The set (``bench/data/claims/``):

- ``real.jsonl`` (one sentence a line, with its gold claims as [act, value, qualifier,
  stance, claimant]): single sentences quoted from 70 published news, NGO and official
  statements about detentions, killings, deaths in custody and disappearances in 24
  countries and territories (none from the 2017-2019 anti-LGBT crackdowns), each with its
  URL, outlet and date; private persons' names are ``[NAME]``. Split by document:
  ``dev`` (tuned on) and ``heldout`` (never tuned on; docs/claims.md says how it was
  drawn). A document's sentences are read as one text, in order.
- ``fictional*.txt`` with ``fictional.jsonl``: FICTIONAL articles for the hard cases
  (quotations over sentences, echoes, denials, and comment sections full of numbers).

A claim is right when its tuple (sentence, act, count value, qualifier, stance) equals a
gold one; claimant attribution is scored on the right ones (after lower-casing and
dropping "the"; one name inside the other counts). Claims from comment sections must be 0.
Throughput: words per second of ``extract`` with the models loaded, over the set's texts
repeated to ``--words`` words, on ``--cores`` cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bearwitness.claims import models
from bearwitness.claims.extract import Candidate, extract

DATA = Path(__file__).resolve().parent / "data" / "claims"
COMMENTS = re.compile(r"^(?:\d+\s+)?(?:comments?|комментари\w*)(?:\s*\(\d+\))?\s*$", re.I | re.M)

Tuple = tuple[str, str, int | None, str | None, str]


@dataclass
class Case:
    name: str
    language: str
    text: str
    gold: dict[str, list[list[object]]]  # sentence -> claims
    outlet: str | None = None
    comments_at: int | None = None


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    claimant_right: int = 0
    comment_claims: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.claimant_right += other.claimant_right
        self.comment_claims += other.comment_claims
        self.errors += other.errors

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def real_cases(split: str) -> list[Case]:
    docs: dict[str, list[dict[str, object]]] = defaultdict(list)
    for line in (DATA / "real.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["split"] == split:
            docs[row["doc"]].append(row)
    cases = []
    for doc, rows in docs.items():
        text = "\n\n".join(str(row["sentence"]) for row in rows)
        gold = {str(row["sentence"]): row["claims"] for row in rows}
        cases.append(
            Case(doc, str(rows[0]["lang"]), text, gold, outlet=str(rows[0]["outlet"]))  # type: ignore[arg-type]
        )
    return cases


def fictional_cases() -> list[Case]:
    gold: dict[str, dict[str, list[list[object]]]] = defaultdict(dict)
    languages: dict[str, str] = {}
    for line in (DATA / "fictional.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold[row["file"]][row["sentence"]] = row["claims"]
        languages[row["file"]] = row["lang"]
    cases = []
    for name, sentences in gold.items():
        text = (DATA / name).read_text(encoding="utf-8")
        marker = COMMENTS.search(text)
        cases.append(
            Case(name, languages[name], text, sentences, "FICTIONAL outlet",
                 marker.start() if marker else None)
        )  # fmt: skip
    return cases


def _tuple(sentence: str, claim: list[object]) -> Tuple:
    act, value, qualifier, stance = claim[:4]
    return (sentence, str(act), value, qualifier if value is not None or qualifier == "range"
            else None, str(stance))  # type: ignore[return-value]  # fmt: skip


def _predicted(candidate: Candidate) -> Tuple:
    count = candidate.count
    qualifier = None if count is None else count.qualifier
    return (candidate.sentence, candidate.act, None if count is None else count.value,
            qualifier, candidate.stance)  # fmt: skip


def _same_claimant(gold: object, found: str | None) -> bool:
    def norm(value: object) -> str:
        text = "" if value is None else str(value).lower()
        text = re.sub(r"[«»\"“”]", "", text)
        return " ".join(re.sub(r"^(?:the|a|an)\s+", "", text).split())

    a, b = norm(gold), norm(found)
    return a == b or bool(a and b and (a in b or b in a))


def score(case: Case, found: list[Candidate]) -> Score:
    result = Score()
    if case.comments_at is not None:
        result.comment_claims = sum(1 for c in found if c.start >= case.comments_at)
    gold = Counter(_tuple(s, claim) for s, claims in case.gold.items() for claim in claims)
    claimants: dict[Tuple, list[object]] = defaultdict(list)
    for s, claims in case.gold.items():
        for claim in claims:
            claimants[_tuple(s, claim)].append(claim[4])
    for candidate in found:
        key = _predicted(candidate)
        if gold[key] > 0:
            gold[key] -= 1
            result.tp += 1
            wanted = claimants[key].pop(0)
            if _same_claimant(wanted, candidate.claimant):
                result.claimant_right += 1
            else:
                result.errors.append(f"{case.name} claimant {candidate.claimant!r} != {wanted!r}")
        else:
            result.fp += 1
            result.errors.append(f"{case.name} extra {key[1:]} in: {key[0][:90]}")
    for key, left in gold.items():
        if left > 0:
            result.fn += left
            result.errors.append(f"{case.name} missed {key[1:]} in: {key[0][:90]}")
    return result


def run(cases: list[Case], entities: dict[str, models.Entities]) -> Score:
    total = Score()
    for case in cases:
        found = extract(
            case.text, language=case.language, outlet=case.outlet,
            entities=entities[case.language],
        )  # fmt: skip
        total.add(score(case, found))
    return total


def throughput(
    cases: list[Case], entities: dict[str, models.Entities], words: int
) -> tuple[float, float]:
    """Words per second (wall clock, CPU) over article-sized texts (about 1,000 words:
    the set's texts of one language joined), repeated to ``words`` words."""
    articles: list[tuple[str, str]] = []
    for language in ("en", "ru"):
        texts = [case.text for case in cases if case.language == language]
        joined = "\n\n".join(texts)
        while len(joined.split()) < 1000:
            joined += "\n\n" + "\n\n".join(texts)
        articles.append((language, joined))
    batch, count = [], 0
    while count < words:
        for language, text in articles:
            batch.append((language, text))
            count += len(text.split())
    wall, cpu = time.perf_counter(), time.process_time()
    for language, text in batch:
        extract(text, language=language, entities=entities[language])
    return count / (time.perf_counter() - wall), count / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blank", action="store_true", help="the rules alone, no model")
    parser.add_argument("--words", type=int, default=20000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--errors", action="store_true", help="list every miss and extra")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: args.cores]))
    loading = time.perf_counter()
    entities: dict[str, models.Entities] = (
        {"en": models.NoEntities(), "ru": models.NoEntities()}
        if args.blank
        else {"en": models.for_language("en"), "ru": models.for_language("ru")}
    )
    loaded = time.perf_counter() - loading
    splits = {
        "dev (real, tuned on)": real_cases("dev"),
        "held-out (real, never tuned on)": real_cases("heldout"),
        "fictional hard cases": fictional_cases(),
    }
    print(f"models: {'none (rules alone)' if args.blank else 'en_core_web_sm 3.8.0 + natasha'}"
          f", loaded in {loaded:.1f} s")  # fmt: skip
    for name, cases in splits.items():
        result = run(cases, entities)
        gold = result.tp + result.fn
        print(
            f"{name}: {len(cases)} documents, {gold} gold claims: precision "
            f"{result.precision:.3f} recall {result.recall:.3f} F1 {result.f1:.3f}; "
            f"claimant attribution {result.claimant_right}/{result.tp} "
            f"({result.claimant_right / max(result.tp, 1):.3f}); "
            f"claims from comment sections: {result.comment_claims}"
        )
        if args.errors:
            for error in result.errors:
                print("   ", error)
    every = [case for cases in splits.values() for case in cases]
    rate, cpu = throughput(every, entities, args.words)
    print(f"throughput: {rate:,.0f} words/s wall clock ({cpu:,.0f} words per CPU second) over "
          f"{args.words:,}+ words in articles of about 1,000 words, on {args.cores} core(s) "
          "(target 2,000)")  # fmt: skip


if __name__ == "__main__":
    main()
