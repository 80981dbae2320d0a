"""`bearwitness claims extract` and `claims add`, as scripts and users run them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.cli.runner import Cli

PASS = "a long and careful passphrase"
ARTICLE = Path(__file__).parents[1] / "claims" / "data" / "fictional_article_en.txt"
KEYS = [
    "sentence", "start", "end", "act", "count", "stance", "hedged", "claimant", "outlet",
    "place", "when", "confidence",
]  # fmt: skip


def test_extract_prints_the_exact_json_lines(cli: Cli, tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_bytes(ARTICLE.read_bytes())
    done = cli(
        "claims", "extract", article, "--outlet", "FICTIONAL Gazette", "--published",
        "2019-02-01", "--url", "https://example.org/a", "--lang", "en",
    )  # fmt: skip
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    text = article.read_text(encoding="utf-8")
    assert len(lines) == 8
    for line in lines:
        assert list(line) == KEYS
        assert text[line["start"] : line["end"]] == line["sentence"]
        assert line["outlet"] == "FICTIONAL Gazette"
        assert line["count"] is None or list(line["count"]) == ["value", "low", "high", "qualifier"]
    assert {line["stance"] for line in lines} == {"assert", "deny"}
    assert lines[1]["count"] == {"value": 40, "low": None, "high": None, "qualifier": "approx"}


def test_extract_refuses_bad_input_clearly(cli: Cli, tmp_path: Path) -> None:
    missing = cli("claims", "extract", tmp_path / "none.txt", ok=False)
    assert missing.returncode == 2 and "no file at" in missing.stderr
    article = tmp_path / "article.txt"
    article.write_text("Police detained 40 people.", encoding="utf-8")
    bad = cli("claims", "extract", article, "--lang", "de", ok=False)
    assert bad.returncode == 2 and "--lang" in bad.stderr and "Traceback" not in bad.stderr
    date = cli("claims", "extract", article, "--published", "yesterday", ok=False)
    assert date.returncode == 2 and "--published" in date.stderr


def test_add_while_locked_goes_through_the_inbox(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{PASS}\n")
    article = tmp_path / "gazette.txt"
    article.write_bytes(ARTICLE.read_bytes())
    added = cli(
        "claims", "add", archive, article, "--outlet", "FICTIONAL Gazette", "--published",
        "2019-02-01", "--url", "https://example.org/a",
    )  # fmt: skip
    assert "sealed into the inbox" in added.stdout and "8 candidate claim(s)" in added.stdout
    on_disk = b"".join(p.read_bytes() for p in (archive / "inbox").iterdir() if p.is_file())
    assert b"FICTIONAL Gazette" not in on_disk and b"example.org" not in on_disk
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    document = re.findall(r"D-[0-9A-F]{6,}", cli("list", "documents", archive).stdout)[0]
    shown = cli("show", "document", archive, document, "--reveal").stdout
    assert "public_report" in shown and "FICTIONAL Gazette" in shown
    assert "https://example.org/a" in shown and "2019-02-01" in shown
    assert "death_in_custody" in shown  # the candidates, kept for review
    assert "evidence" in cli("list", "evidence", archive).stdout.lower()


def test_incident_counts_original_claimants_not_outlets(cli: Cli, tmp_path: Path) -> None:
    first, second = tmp_path / "gazette.txt", tmp_path / "herald.txt"
    first.write_text(
        "FICTIONAL: Around 40 people were detained in Argun, the Rights Network said.\n\n"
        "The interior ministry denied that anyone had been detained.\n",
        encoding="utf-8",
    )
    second.write_text(
        "FICTIONAL: More than 40 people were detained in Argun, the Rights Network told "
        "the Herald.\n",
        encoding="utf-8",
    )
    done = cli("claims", "incident", first, second, "--outlet", "Gazette", "--outlet", "Herald",
               "--json")  # fmt: skip
    found = json.loads(done.stdout)
    assert [c["claimant"] for c in found["claimants"]] == ["rights network"]
    assert found["independently_corroborated"] is False
    assert found["qualifiers"] == ["around 40", "at least 41"]
    assert found["denials"] == ["interior ministry"] and found["most_conservative"] == 40
