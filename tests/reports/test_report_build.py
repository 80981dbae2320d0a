"""A report of the demo archive, in both languages: what it holds, that it verifies, that a
changed number fails naming its figure, and that the attacker recovers nothing from it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from bearwitness.errors import InputError, NotFound
from bearwitness.intake.importers import ImportRow
from bearwitness.reports import disclosure, figures, pdf
from bearwitness.reports.spec import parse_spec
from bearwitness.services import checkpoints, report_verification, reporting, writing
from bearwitness.services.archive import Archive
from tests.reports.attacker import PublishedTable, attack


def published_tables(folder: Path) -> list[PublishedTable]:
    """What an attacker reads: each table's CSV, and from the manifest what each counts."""
    manifest = json.loads((folder / "manifest.json").read_text())
    found = []
    for figure in manifest["figures"]:
        if figure["kind"] != "table":
            continue
        rows = list(csv.reader(io.StringIO((folder / f"{figure['id']}.csv").read_text())))
        header, body = rows[0], rows[1:]
        two_way = header[-1] == "total"
        columns = header[1:-1] if two_way else ["n"]
        cells: dict[tuple[str, str], int | None] = {}
        for line in body:
            row = "*" if line[0] == "total" else line[0]
            keys = [*columns, "*"] if two_way else ["n"]
            for column, value in zip(keys, line[1:], strict=True):
                cells[(row, column)] = None if value == "x" else int(value)
        labels = [line[0] for line in body if line[0] != "total"]
        found.append(PublishedTable(figure["id"], figure["values"]["unit"], labels, columns, cells))
    return found


def test_the_demo_report_in_english_and_russian(demo: Archive, tmp_path: Path) -> None:
    built = {}
    for lang in ("en", "ru"):
        built[lang] = reporting.build(demo, parse_spec("", lang=lang), tmp_path / lang)
        folder = tmp_path / lang
        page = (folder / "report.html").read_text()
        assert not re.search(r"""(src|href)\s*=|url\(|@import|<script|<link""", page, re.I)
        assert "default-src 'none'" in page and "<svg" in page
        assert set(built[lang].files) >= {
            "report.html",
            "report.pdf",
            "manifest.json",
            "manifest.json.sig",
            "acts-by-type-and-district.csv",
            "estimates.csv",
        }
        assert report_verification.verify(demo, folder).ok
    english = (tmp_path / "en" / "report.html").read_text()
    russian = (tmp_path / "ru" / "report.html").read_text()
    assert "documented (a lower bound)" in english and "arbitrary detention" in english
    assert "нижняя граница" in russian and "произвольное задержание" in russian
    assert "Estimated total: 217 (95% interval 200 to 238)" in english
    # The CSVs are the same in both languages (codes, not labels).
    assert (tmp_path / "en" / "acts-by-month.csv").read_text() == (
        tmp_path / "ru" / "acts-by-month.csv"
    ).read_text()
    russian_pdf = pdf.text((tmp_path / "ru" / "report.pdf").read_bytes())
    assert "Задокументированные нарушения по видам и районам" in russian_pdf
    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(tmp_path / "ru" / "report.pdf").pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("DejaVu" in name for name in fonts)  # embedded subsets (+ prefix)
    manifest = json.loads((tmp_path / "en" / "manifest.json").read_bytes())
    assert manifest["checkpoint"]["size"] == built["en"].checkpoint_size
    assert manifest["disclosure"] == {"k": 5, "protect_zeros": False}
    assert {f["id"] for f in manifest["figures"]} >= {"summary", "estimate-ES-0001"}


def test_the_attacker_recovers_nothing_from_a_published_report(demo: Archive, out: Path) -> None:
    reporting.build(demo, parse_spec(""), out, with_pdf=False)
    tables = published_tables(out)
    assert sum(value is None for t in tables for value in t.cells.values()) > 0
    assert attack(tables, 5) == []


def test_the_attacker_breaks_primary_suppression_alone(
    demo: Archive, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weakened = lambda tables, settings, earlier=(): disclosure.primary(tables, settings)  # noqa: E731
    monkeypatch.setattr(figures, "suppress", weakened)  # primary suppression alone
    built = reporting.build(demo, parse_spec(""), out, with_pdf=False)
    (demo.folder / "releases" / f"{built.report_id}.json").unlink()  # keep it out of the ledger
    assert attack(published_tables(out), 5)


@pytest.mark.parametrize("where", ["csv", "html"])
def test_a_changed_number_fails_naming_its_figure(demo: Archive, out: Path, where: str) -> None:
    reporting.build(demo, parse_spec(""), out, with_pdf=False)
    if where == "csv":
        path = out / "acts-by-month.csv"
        path.write_text(
            re.sub(r"^(20[0-9-]+),(\d+)$", r"\1,999", path.read_text(), count=1, flags=re.M)
        )
        expected = "acts-by-month"
    else:
        path = out / "report.html"
        text = path.read_text()
        start = text.index("<!-- figure:victims-by-sex-and-age -->")
        cut = text.index('<td class="n">', start) + len('<td class="n">')
        end = text.index("<", cut)
        path.write_text(text[:cut] + "77" + text[end:])
        expected = "victims-by-sex-and-age"
    result = report_verification.verify(demo, out)
    assert result.differing == [expected]
    assert any(expected in problem for problem in result.problems)


def test_a_changed_manifest_fails_its_signature(demo: Archive, out: Path) -> None:
    reporting.build(demo, parse_spec(""), out, with_pdf=False)
    path = out / "manifest.json"
    path.write_bytes(path.read_bytes().replace(b'"k":5', b'"k":3'))
    problems = report_verification.verify(demo, out).problems
    assert any(p.startswith("signature:") for p in problems)
    assert any("log:" in p for p in problems)


def test_an_older_report_still_verifies_after_the_archive_grew(
    archive: Archive, tmp_path: Path
) -> None:
    rows = [
        {"type": "event", "id": "E-0001", "date": "2019-01", "district": "Argun"},
        *(
            {"type": "person", "id": f"P-{n:04d}", "sex": "male", "fictional": True}
            for n in range(1, 13)
        ),
        *(
            {"type": "act", "id": f"A-{n:04d}", "event_id": "E-0001", "victim_id": f"P-{n:04d}"}
            for n in range(1, 13)
        ),
    ]

    def write(items: list[dict[str, object]]) -> None:
        records = writing.resolve_rows(
            archive, [ImportRow(i + 1, dict(r)) for i, r in enumerate(items)], "test"
        )
        writing.write_records(archive, records, {})

    write(rows)
    first = reporting.build(archive, parse_spec(""), tmp_path / "first", with_pdf=False)
    old_acts = json.loads((tmp_path / "first" / "manifest.json").read_text())["figures"][0]
    assert old_acts["values"]["acts"] == 12
    # The archive grows: more acts, a record changed, a new checkpoint.
    write(
        [
            {"type": "person", "id": "P-0013", "sex": "female"},
            {"type": "act", "id": "A-0013", "event_id": "E-0001", "victim_id": "P-0013"},
            {"type": "act", "id": "A-0014", "event_id": "E-0001", "victim_id": "P-0001"},
        ]
    )
    writing.change_record(archive, "event", "E-0001", {"date": "2019-02", "district": "Shali"})
    writing.change_record(archive, "act", "A-0002", {}, delete=True)
    checkpoints.sign_new_checkpoint(archive)
    result = report_verification.verify(archive, tmp_path / "first")
    assert result.ok, result.problems
    assert result.checkpoint_size == first.checkpoint_size
    second = reporting.build(archive, parse_spec(""), tmp_path / "second", with_pdf=False)
    assert second.checkpoint_size > first.checkpoint_size
    summary = json.loads((tmp_path / "second" / "manifest.json").read_text())["figures"][0]
    assert summary["values"]["acts"] == 13  # 12 + 2, one deleted
    again = reporting.build(
        archive,
        parse_spec(""),
        tmp_path / "again",
        checkpoint_size=first.checkpoint_size,
        with_pdf=False,
    )
    assert again.checkpoint_size == first.checkpoint_size
    with pytest.raises(NotFound):
        reporting.build(
            archive, parse_spec(""), tmp_path / "never", checkpoint_size=3, with_pdf=False
        )


def test_a_report_needs_an_empty_folder(demo: Archive, out: Path) -> None:
    out.mkdir()
    (out / "kept.txt").write_text("mine")
    with pytest.raises(InputError, match="not an empty folder"):
        reporting.build(demo, parse_spec(""), out, with_pdf=False)


def test_a_stranger_checks_a_report_without_the_archive(
    demo: Archive, out: Path, tmp_path: Path
) -> None:
    import subprocess
    import sys

    reporting.build(demo, parse_spec(""), out, with_pdf=False)
    key = tmp_path / "log.vkey"  # given by the archive's operator, not read from the folder
    key.write_text(checkpoints.log_verifier(demo).vkey() + "\n")
    tool = Path(__file__).parents[2] / "tools" / "verify_report.py"

    def check(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(tool), str(out), *extra], capture_output=True, text=True
        )

    done = check("--vkey-file", str(key))
    assert done.returncode == 0 and "VERIFIED" in done.stdout, done.stdout
    assert check("--vkey-file", str(out / "log.vkey")).returncode == 2  # the folder's own key
    path = out / "events-by-month.csv"
    path.write_text(path.read_text().replace("2017-03,10", "2017-03,11"))
    failed = check("--vkey-file", str(key))
    assert failed.returncode == 1 and "events-by-month" in failed.stdout
    # A manifest the log key really signed, but listing nothing: no check would run.
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.update(files={}, figures=[])
    data = json.dumps(manifest).encode()
    (out / "manifest.json").write_bytes(data)
    text = f"{reporting.FORMAT}\n{manifest['origin']}\n{manifest['report']}\n"
    digest = hashlib.sha256(data).hexdigest()
    note = checkpoints.sign_with_log_key(demo, f"{text}sha256:{digest}\n".encode())
    (out / "manifest.json.sig").write_bytes(note)
    empty = check("--vkey-file", str(key))
    assert empty.returncode == 1 and "nothing to check" in empty.stdout, empty.stdout


def test_a_changed_pdf_fails(demo: Archive, out: Path) -> None:
    reporting.build(demo, parse_spec(""), out)
    path = out / "report.pdf"
    path.write_bytes(path.read_bytes() + b"%FICTIONAL change\n")
    problems = report_verification.verify(demo, out).problems
    assert any(problem.startswith("report.pdf") for problem in problems)


ARTIFACTS = Path(os.environ.get("BEARWITNESS_TEST_ARTIFACTS", "test-artifacts")) / "report"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.slow
@pytest.mark.needs(CHROMIUM.exists(), reason="Debian's chromium (`make system-packages`)")
@pytest.mark.needs(bool(shutil.which("pdftoppm")), reason="pdftoppm (poppler-utils)")
def test_screenshots_of_the_demo_report(demo: Archive, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        for lang in ("en", "ru"):
            folder = tmp_path / lang
            reporting.build(demo, parse_spec("", lang=lang), folder)
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            requests: list[str] = []
            page.on("request", lambda request, seen=requests: seen.append(request.url))
            page.goto((folder / "report.html").as_uri())
            page.screenshot(path=str(ARTIFACTS / f"report-{lang}.png"), full_page=True)
            assert requests == [(folder / "report.html").as_uri()]  # nothing else loaded
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "70",
                    "-png",
                    str(folder / "report.pdf"),
                    str(ARTIFACTS / f"pdf-{lang}"),
                ],
                check=True,
            )
        browser.close()
    assert len(list(ARTIFACTS.glob("pdf-ru-*.png"))) >= 3


@pytest.mark.parametrize("ledger", [True, False])
def test_a_new_release_gives_nothing_away_by_difference(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ledger: bool
) -> None:
    """Release 1, then a few more acts, then release 2: the attacker holding both learns no
    hidden cell of either, and no count that grew by fewer than k."""
    districts, types = ["Argun", "Shali", "Grozny"], ["arbitrary_detention", "torture", "extortion"]
    rows: list[dict[str, object]] = [
        {"type": "event", "id": f"E-{n:04d}", "date": f"2019-0{n}", "district": d}
        for n, d in enumerate(districts, start=1)
    ]
    sizes = {(0, 0): 9, (0, 1): 7, (0, 2): 2, (1, 0): 12, (1, 1): 3, (1, 2): 8, (2, 0): 6}
    number = 0
    for (t, d), count in sizes.items():
        for _ in range(count):
            number += 1
            rows.append({"type": "person", "id": f"P-{number:04d}", "sex": "male"})
            rows.append(
                {
                    "type": "act",
                    "id": f"A-{number:04d}",
                    "event_id": f"E-{d + 1:04d}",
                    "victim_id": f"P-{number:04d}",
                    "act_type": types[t],
                }
            )

    def write(items: list[dict[str, object]]) -> None:
        records = writing.resolve_rows(
            archive, [ImportRow(i + 1, dict(r)) for i, r in enumerate(items)], "test"
        )
        writing.write_records(archive, records, {})

    write(rows)
    reporting.build(archive, parse_spec(""), tmp_path / "one", with_pdf=False)
    if not ledger:  # deliberately weakened: no release ledger
        monkeypatch.setattr(reporting, "_comparable_releases", lambda *_: [])
    write(
        [
            {"type": "person", "id": "P-0900", "sex": "male"},
            {"type": "act", "id": "A-0900", "event_id": "E-0001", "victim_id": "P-0900"},
        ]
    )
    second = reporting.build(archive, parse_spec(""), tmp_path / "two", with_pdf=False)
    found = attack(
        published_tables(tmp_path / "two"), 5, earlier=published_tables(tmp_path / "one")
    )
    if not ledger:
        assert any(item.how == "difference" for item in found)
        return
    manifest = json.loads((tmp_path / "two" / "manifest.json").read_text())
    assert [item["report"] for item in manifest["checked_against"]] == [
        json.loads((tmp_path / "one" / "manifest.json").read_text())["report"]
    ]
    assert (archive.folder / "releases" / f"{second.report_id}.json").is_file()
    assert found == []
    assert report_verification.verify(archive, tmp_path / "two").ok
    assert report_verification.verify(archive, tmp_path / "one").ok


def test_a_preview_signs_nothing_and_gives_what_publishing_next_gives(
    demo: Archive, out: Path
) -> None:
    kept = [item.size for item in checkpoints.signed_checkpoints(demo)]
    preview = reporting.prepare(demo, parse_spec(""), with_pdf=False, sign=False)
    assert [item.size for item in checkpoints.signed_checkpoints(demo)] == kept
    built = reporting.build(demo, parse_spec(""), out, with_pdf=False)
    assert built.checkpoint_size == preview.size
    published = json.loads((out / "manifest.json").read_bytes())
    assert json.loads(preview.manifest)["figures"] == published["figures"]
    assert json.loads(preview.manifest)["checkpoint"]["note"] == ""  # unsigned: no proof
