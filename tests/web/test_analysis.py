"""The analysts' pages: linkage (run, review) and estimates (run, list, detail, charts).

Real archive, real linkage and estimation, through HTTP; decisions and estimates
are read back through the services, as the CLI reads them.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bearwitness.services import audit, estimates, link_review, linking, users
from bearwitness.services.archive import Archive
from bearwitness.store.schema import log_entries
from bearwitness.tlog.entry import parse_entry
from tests.web.conftest import (
    PASSPHRASE,
    Team,
    last_log_entry,
    login,
    unlock,
    unlock_commitment,
    wait_for_job,
)


def _kinds(archive: Archive) -> list[tuple[str, str, str]]:
    with archive.engine.connect() as connection:
        raw = connection.execute(select(log_entries.c.entry).order_by(log_entries.c.idx))
        entries = [json.loads(parse_entry(bytes(entry)).to_bytes()) for (entry,) in raw]
    return [(e["kind"], e["record_type"], e["actor"]) for e in entries]


def _link(workbench: TestClient, token: str) -> str:
    response = workbench.post("/linkage/run", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return wait_for_job(workbench, "/linkage", 'id="link-done"', 'id="link-failed"')


def test_link_now_review_and_the_next_run_applies_the_decision(
    workbench: TestClient, lists_team: Team
) -> None:
    token = login(workbench, lists_team, "analyst")
    assert "never linked" in workbench.get("/linkage").text
    locked = workbench.post("/linkage/run", data={"csrf": token})
    assert locked.status_code == 409 and "needs an unlock" in locked.text
    workbench.post("/logout", data={"csrf": token})
    unlock(workbench, lists_team)
    token = login(workbench, lists_team, "analyst")

    text = _link(workbench, token)
    assert "LR-0001" in text and "Cluster sizes" in text
    queue = workbench.get("/linkage?all=1").text
    left, right = re.findall(r"left=(R-\d+)&amp;right=(R-\d+)", queue)[0]
    compared = workbench.get(f"/linkage?left={left}&right={right}&all=1")
    assert compared.status_code == 200 and 'id="evidence"' in compared.text
    assert "full_name" in compared.text  # the two records, opened for this page only
    archive = workbench.app.app.state.keys.archive  # type: ignore[attr-defined]
    revealed = audit.recent(archive.engine, action="reveal")
    analyst = users.pseudonym_of(archive.engine, "analyst")
    assert revealed[0].actor == analyst and revealed[0].target == f"{left} {right}"

    no_reason = workbench.post(
        "/linkage/decide",
        data={"csrf": token, "left": left, "right": right, "verdict": "accept", "reason": " "},
    )
    assert no_reason.status_code == 400 and "needs a reason" in no_reason.text
    bad = workbench.post(
        "/linkage/decide",
        data={"csrf": token, "left": left, "right": right, "verdict": "maybe", "reason": "x"},
    )
    assert bad.status_code == 400
    unknown = workbench.post(
        "/linkage/decide",
        data={"csrf": token, "left": "R-9999", "right": right, "verdict": "accept", "reason": "x"},
    )
    assert unknown.status_code == 404
    kept = workbench.post(
        "/linkage/decide",
        data={
            "csrf": token,
            "left": left,
            "right": right,
            "verdict": "reject",
            "reason": "FICTIONAL: different fathers' names",
        },
    )
    assert kept.status_code == 200 and "Decision 1 kept" in kept.text
    with archive.engine.connect() as connection:
        log = link_review.decision_log(archive, connection)
    assert list(log["decision"]) == ["reject"] and log["analyst"][0] == analyst
    assert link_review.reasons(archive) == ["FICTIONAL: different fathers' names"]
    assert ("link_decision", "link_review", analyst) in _kinds(archive)
    page = workbench.get("/linkage").text
    assert "FICTIONAL: different fathers&#39; names" in page  # unlocked: reasons are shown

    text = _link(workbench, token)
    assert "LR-0002" in text
    with archive.engine.connect() as connection:
        assert linking.latest_run(connection).decisions == 1
        pairs = linking.run_pairs(archive, connection, "LR-0002")
    first, second = sorted((left, right))
    decided = pairs[(pairs["left_id"] == first) & (pairs["right_id"] == second)]
    assert list(decided["decision"]) == ["reject"]

    undone = workbench.post(
        "/linkage/decide",
        data={
            "csrf": token,
            "left": left,
            "right": right,
            "verdict": "undo",
            "reason": "FICTIONAL",
        },
    )
    assert undone.status_code == 200
    again = workbench.post(
        "/linkage/decide",
        data={
            "csrf": token,
            "left": left,
            "right": right,
            "verdict": "undo",
            "reason": "FICTIONAL",
        },
    )
    assert again.status_code == 400 and "to undo" in again.text


def test_split_and_merge_are_kept_as_pair_decisions(
    workbench: TestClient, lists_team: Team
) -> None:
    unlock(workbench, lists_team)
    token = login(workbench, lists_team, "analyst")
    _link(workbench, token)
    archive = workbench.app.app.state.keys.archive  # type: ignore[attr-defined]
    with archive.engine.connect() as connection:
        clusters = linking.run_clusters(archive, connection, "LR-0001")
    sizes = clusters.groupby("cluster_id")["record_id"].apply(list)
    one, other = sizes[sizes.map(len) == 1].iloc[0][0], sizes[sizes.map(len) == 1].iloc[1][0]
    merged = workbench.post(
        "/linkage/decide",
        data={
            "csrf": token,
            "records": f"{one}, {other}",
            "verdict": "merge",
            "reason": "FICTIONAL",
        },
    )
    assert merged.status_code == 200 and "1 pair decision" in merged.text
    nothing = workbench.post(
        "/linkage/decide",
        data={"csrf": token, "records": one, "verdict": "split", "reason": "FICTIONAL"},
    )
    assert nothing.status_code == 400 and "changes nothing" in nothing.text


def test_evidence_and_decisions_need_an_unlock(workbench: TestClient, lists_team: Team) -> None:
    archive = Archive.open(lists_team.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    linking.link_archive(archive)
    archive.close()
    token = login(workbench, lists_team, "analyst")
    page = workbench.get("/linkage?left=R-0001&right=R-0002&all=1")
    assert page.status_code == 200 and "after an unlock" in page.text
    assert "full_name" not in page.text
    refused = workbench.post(
        "/linkage/decide",
        data={
            "csrf": token,
            "left": "R-0001",
            "right": "R-0002",
            "verdict": "accept",
            "reason": "FICTIONAL",
        },
    )
    assert refused.status_code == 409


def test_forms_without_the_csrf_token_are_refused(workbench: TestClient, lists_team: Team) -> None:
    login(workbench, lists_team, "analyst")
    for path, data in (
        ("/linkage/run", {}),
        ("/estimates/run", {"method": "loglinear"}),
        (
            "/linkage/decide",
            {"left": "R-0001", "right": "R-0002", "verdict": "accept", "reason": "FICTIONAL"},
        ),
    ):
        assert workbench.post(path, data=data).status_code == 403
        forged = workbench.post(path, data={**data, "csrf": "forged"})
        assert forged.status_code == 403


def test_an_estimate_run_from_the_page_is_kept_like_the_cli_keeps_it(
    workbench: TestClient, lists_team: Team
) -> None:
    token = login(workbench, lists_team, "analyst")
    never = workbench.post("/estimates/run", data={"csrf": token, "method": "loglinear"})
    assert never.status_code == 404 and "never linked" in never.text
    archive = Archive.open(lists_team.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    linking.link_archive(archive)
    archive.close()
    assert "No estimate is kept" in workbench.get("/estimates").text
    for data, problem in (
        ({"method": "magic"}, "unknown method"),
        ({"method": "dga", "seed": "-1"}, "whole number"),
        ({"method": "dga", "strata": "colour"}, "unknown stratum"),
    ):
        refused = workbench.post("/estimates/run", data={"csrf": token, **data})
        assert refused.status_code == 400 and problem in refused.text.lower(), refused.text
    locked = workbench.post(
        "/estimates/run", data={"csrf": token, "method": "loglinear", "strata": "sex"}
    )
    assert locked.status_code == 409

    started = workbench.post(
        "/estimates/run",
        data={"csrf": token, "method": "loglinear", "seed": "7"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    text = wait_for_job(workbench, "/estimates", 'id="estimate-done"', 'id="estimate-failed"')
    assert "ES-0001" in text and "LR-0001" in text
    keys = workbench.app.app.state.keys  # type: ignore[attr-defined]
    kept = estimates.get_estimate(keys.archive, "ES-0001")
    assert kept.link_run_id == "LR-0001" and kept.method == "loglinear"
    assert kept.result["inputs"]["source"].endswith("LR-0001")
    assert kept.inputs_sha256 == hashlib.sha256(b"LR-0001").hexdigest()  # as the CLI digests
    analyst = users.pseudonym_of(keys.archive.engine, "analyst")
    assert ("estimate", "estimate", analyst) in _kinds(keys.archive)

    detail = workbench.get("/estimates/ES-0001")
    assert detail.status_code == 200
    assert "a lower bound" in detail.text and "95% interval" in detail.text
    assert str(kept.result["n_observed"]) in detail.text
    for chart in ("/estimates/ES-0001/intervals.svg", "/estimates/ES-0001/overlaps.svg"):
        svg = workbench.get(chart)
        assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
        assert b"<svg" in svg.content and b"<script" not in svg.content
    assert workbench.get("/estimates/ES-0001/overlaps.svg?stratum=5").status_code == 404
    assert workbench.get("/estimates/ES-0001/posterior.svg").status_code == 404
    assert workbench.get("/estimates/ES-0042").status_code == 404
    russian = workbench.get("/estimates/ES-0001?lang=ru").text
    assert "нижняя граница" in russian
    missing = workbench.get("/estimates/ES-0042?lang=ru")
    assert missing.status_code == 404 and "Нет оценки ES-0042" in missing.text
    assert "Они перечислены на странице оценок" in missing.text


def test_an_estimate_by_stratum_needs_and_uses_the_unlock(
    workbench: TestClient, lists_team: Team
) -> None:
    unlock(workbench, lists_team)
    token = login(workbench, lists_team, "analyst")
    _link(workbench, token)
    workbench.post("/estimates/run", data={"csrf": token, "method": "loglinear", "strata": "sex"})
    wait_for_job(workbench, "/estimates", 'id="estimate-done"', 'id="estimate-failed"')
    keys = workbench.app.app.state.keys  # type: ignore[attr-defined]
    kept = estimates.get_estimate(keys.archive, "ES-0001")
    assert kept.result["inputs"]["strata_columns"] == ["sex"]
    assert len(kept.result["strata"]) > 1
    detail = workbench.get("/estimates/ES-0001").text
    assert detail.count("overlaps.svg?stratum=") == len(kept.result["strata"])
    assert all(f'<th scope="row">{label}</th>' in detail for label in kept.result["strata"])
    assert workbench.get("/estimates/ES-0001/intervals.svg").status_code == 200
    # Locked, the strata (labels from sealed fields) are sealed: the page says so.
    keys.lock("U-test")
    detail = workbench.get("/estimates/ES-0001").text
    assert 'id="strata-sealed"' in detail and "overlaps.svg" not in detail
    assert not any(f'<th scope="row">{label}</th>' in detail for label in kept.result["strata"])
    assert "(sealed)" in workbench.get("/estimates").text
    chart = workbench.get("/estimates/ES-0001/intervals.svg")
    assert chart.status_code != 200 and chart.status_code < 500


def test_an_unlock_in_the_workbench_is_in_the_transparency_log(
    workbench: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    archive = workbench.app.app.state.keys.archive  # type: ignore[attr-defined]
    entry = last_log_entry(archive)
    custodian = users.pseudonym_of(archive.engine, "custodian")
    assert (entry.kind, entry.record_type, entry.actor) == ("unlock", "archive", custodian)
    assert entry.commitment == unlock_commitment(archive, "passphrase")


def test_without_the_analysis_extra_the_pages_say_what_to_install(
    workbench: TestClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on `pip install bearwitness`: pandas cannot be imported, and the linkage services
    # (which need it) are imported again when a page asks for them.
    import bearwitness.services

    for name in ("linking", "link_review"):
        monkeypatch.delattr(bearwitness.services, name)
        monkeypatch.delitem(sys.modules, f"bearwitness.services.{name}")
    monkeypatch.setitem(sys.modules, "pandas", None)
    token = login(workbench, team, "analyst")
    for page in (workbench.get("/linkage"), workbench.post("/linkage/run", data={"csrf": token})):
        assert page.status_code == 501
        assert "pip install &#39;bearwitness[analysis]&#39;" in page.text
    assert workbench.get("/log").status_code == 200  # the rest of the workbench works


def test_the_linkage_page_words_every_refusal_reason_the_linker_gives() -> None:
    from bearwitness.web.workbench.linkage import REFUSAL_REASONS

    assert REFUSAL_REASONS == link_review.REFUSAL_REASONS
