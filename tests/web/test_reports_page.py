"""The workbench's reports page: compose, preview (nothing kept), publish (logged, kept in
the archive's folder, downloadable), and a title with a sealed value refused. FICTIONAL."""

from __future__ import annotations

import io
import json
import zipfile

from fastapi.testclient import TestClient

from tests.web.conftest import Team, login, unlock, wait_for_job

SECTIONS = ["summary", "counts", "method"]


def test_an_analyst_previews_and_publishes_a_report(workbench: TestClient, team: Team) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "analyst")
    page = workbench.get("/reports")
    assert page.status_code == 200 and 'id="no-reports"' in page.text
    form = {"csrf": token, "title": "FICTIONAL monthly report", "lang": "ru", "k": "3"}
    signed = sorted((team.folder / "checkpoints").glob("*"))
    previewed = workbench.post("/reports/preview", data={**form, "sections": SECTIONS})
    assert previewed.status_code == 200 and 'id="report-preview"' in previewed.text
    assert 'value="FICTIONAL monthly report"' in previewed.text  # the form is kept
    link = previewed.text.split('href="/reports/preview/', 1)[1].split('"', 1)[0]
    shown = workbench.get(f"/reports/preview/{link}")
    assert shown.status_code == 200 and "Задокументированные" in shown.text
    assert "default-src 'none'" in shown.headers["content-security-policy"]
    assert not (team.folder / "reports").exists()  # a preview keeps nothing
    assert sorted((team.folder / "checkpoints").glob("*")) == signed  # and signs nothing
    published = workbench.post(
        "/reports/publish", data={**form, "sections": SECTIONS}, follow_redirects=False
    )
    assert published.status_code == 303
    listed = wait_for_job(workbench, "/reports", 'id="report-done"', 'id="report-failed"')
    report_id = listed.split('id="report-done">', 1)[1].split("</p>")[0].split()[-1]
    assert report_id.startswith("RP-") and f"/reports/{report_id}/report.html" in listed
    manifest = workbench.get(f"/reports/{report_id}/manifest.json")
    assert json.loads(manifest.content)["report"] == report_id
    assert workbench.get(f"/reports/{report_id}/../bearwitness.toml").status_code == 404
    assert workbench.get(f"/reports/{report_id}/nothing.csv").status_code == 404


def test_a_title_that_names_someone_is_refused_and_kept(workbench: TestClient, team: Team) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "analyst")
    refused = workbench.post(
        "/reports/preview",
        data={"csrf": token, "title": "About FICTIONAL Ivan Petrov", "sections": SECTIONS},
    )
    assert refused.status_code == 422 and 'id="report-error"' in refused.text
    assert "sealed value" in refused.text and "Ivan Petrov" not in refused.text.split("<form")[0]
    assert 'value="About FICTIONAL Ivan Petrov"' in refused.text  # what was typed is kept
    nothing = workbench.post("/reports/preview", data={"csrf": token, "title": "x"})
    assert nothing.status_code == 400 and "no section chosen" in nothing.text
    workbench.get("/reports?lang=ru")  # the same refusals, said in Russian
    russian = workbench.post(
        "/reports/preview",
        data={"csrf": token, "title": "About FICTIONAL Ivan Petrov", "sections": SECTIONS},
    )
    assert "отчёт не записан: в нём встречается запечатанное значение" in russian.text
    assert "заголовка" in russian.text and "sealed value" not in russian.text
    bad_k = workbench.post("/reports/preview", data={"csrf": token, "sections": SECTIONS, "k": "x"})
    assert "k &#39;x&#39; — не целое число. Например, 5." in bad_k.text
    workbench.get("/reports?lang=en")


def test_locked_a_preview_says_an_unlock_is_needed(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "analyst")
    locked = workbench.post("/reports/preview", data={"csrf": token, "sections": SECTIONS})
    assert locked.status_code == 409 and "unlock" in locked.text.lower()


def test_an_analyst_builds_a_dossier_and_downloads_it(workbench: TestClient, team: Team) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "analyst")
    page = workbench.get("/reports")
    assert 'id="dossier-form"' in page.text
    form = {"csrf": token, "events": "E-0001", "dossier_lang": "en", "purpose": "court_proceedings"}
    built = workbench.post("/reports/dossier", data=form)
    assert built.status_code == 200 and 'id="dossier-done"' in built.text, built.text
    link = built.text.split('href="/reports/dossier/', 1)[1].split("/", 1)[0]
    pdf = workbench.get(f"/reports/dossier/{link}/dossier.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["cache-control"] == "private, no-store"
    packed = workbench.get(f"/reports/dossier/{link}/dossier.zip")
    with zipfile.ZipFile(io.BytesIO(packed.content)) as folder:
        names = set(folder.namelist())
        index = json.loads(folder.read("dossier/index.json"))
    assert {"dossier/dossier.html", "dossier/dossier.pdf", "dossier/index.json"} <= names
    assert index["events"] == ["E-0001"] and index["purpose"] == "court_proceedings"
    assert not list(team.folder.rglob("dossier.html"))  # nothing of it kept on the server
    assert workbench.get(f"/reports/dossier/{link}/index.json").status_code == 404
    logged = workbench.get("/log").text.split("Recent actions", 1)[1]
    assert "<td>built an evidence dossier</td>" in logged  # the workbench's audit, in words
    missing = workbench.post("/reports/dossier", data={**form, "events": "E-9999"})
    assert missing.status_code == 404 and 'id="dossier-error"' in missing.text
    assert 'value="E-9999"' in missing.text  # what was typed is kept
    forged = workbench.post("/reports/dossier", data={**form, "csrf": "forged"})
    assert forged.status_code == 403
    other = login(workbench, team, "custodian")  # custodians may not see what it reveals
    refused = workbench.post("/reports/dossier", data={**form, "csrf": other})
    assert refused.status_code == 403
    assert workbench.get(f"/reports/dossier/{link}/dossier.pdf").status_code == 403
    workbench.post("/lock", data={"csrf": other})
    login(workbench, team, "analyst")
    assert workbench.get(f"/reports/dossier/{link}/dossier.pdf").status_code == 404  # forgotten


def test_a_preview_with_differential_privacy_states_its_budget(
    workbench: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "analyst")
    form = {"csrf": token, "sections": SECTIONS, "epsilon": "0,5"}
    previewed = workbench.post("/reports/preview", data=form)
    assert previewed.status_code == 200 and 'value="0,5"' in previewed.text
    link = previewed.text.split('href="/reports/preview/', 1)[1].split('"', 1)[0]
    assert "epsilon 0.5 per table" in workbench.get(f"/reports/preview/{link}").text
    for bad, says in (("much", "is not a number"), ("50", "epsilon must be a number")):
        refused = workbench.post("/reports/preview", data={**form, "epsilon": bad})
        assert refused.status_code == 400 and says in refused.text
