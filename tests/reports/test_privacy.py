"""Differential privacy on a report's counts (the dp extra, OpenDP): the noise, the budget
stated in both languages and the manifest, `report verify` on a noised report, and the
error without the extra. FICTIONAL."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import pytest

from bearwitness.errors import InputError
from bearwitness.reports import pdf, privacy
from bearwitness.reports.spec import parse_spec
from bearwitness.reports.tables import COUNT, Table
from bearwitness.services import checkpoints, report_verification, reporting
from bearwitness.services.archive import Archive
from tests.cli.runner import Cli

DP = "[disclosure]\nepsilon = 0.5\n"


def test_epsilon_is_optional_and_checked() -> None:
    assert parse_spec(DP).settings.epsilon == 0.5
    assert "epsilon" not in parse_spec("").as_dict()["disclosure"]  # earlier hashes hold
    for bad in ("0", "-1", "11", '"one"', "true"):
        with pytest.raises(InputError, match="epsilon must be a number"):
            parse_spec(f"[disclosure]\nepsilon = {bad}")


def test_the_noise_is_opendps_discrete_laplace_at_scale_one_over_epsilon() -> None:
    cells = 4000
    table = Table("t", "acts", "period", COUNT, tuple(map(str, range(cells))), (COUNT,), {})
    table = Table(
        "t", "acts", "period", COUNT, table.rows, (COUNT,), {(r, COUNT): 100 for r in table.rows}
    )
    (noised,), budget = privacy.noised([table], 0.5)
    noise = [noised.counts[key] - 100 for key in table.inner()]
    # discrete Laplace with t = 1/scale = epsilon: variance 2 e^-t / (1 - e^-t)^2
    t = 0.5
    expected = 2 * 2.718281828459045**-t / (1 - 2.718281828459045**-t) ** 2
    assert abs(statistics.fmean(noise)) < 0.3
    assert 0.8 * expected < statistics.pvariance(noise) < 1.2 * expected
    assert budget.per_table == 0.5 and budget.total == 0.5 and budget.scale == 2.0
    assert max(abs(n) for n in noise) <= privacy.tolerance(0.5, 1)


def test_a_noised_report_states_its_budget_and_verifies(demo: Archive, tmp_path: Path) -> None:
    built = {}
    for lang in ("en", "ru"):
        built[lang] = reporting.build(
            demo, parse_spec(DP, lang=lang), tmp_path / lang, with_pdf=lang == "ru"
        )
        result = report_verification.verify(demo, tmp_path / lang)
        assert result.ok, result.problems
    manifest = json.loads((tmp_path / "en" / "manifest.json").read_bytes())
    stated = manifest["privacy"]
    assert stated["epsilon_per_table"] == 0.5 and stated["noise_seed"] is None
    assert stated["epsilon_total"] == 0.5 * len(stated["tables"]) == 2.5
    assert manifest["disclosure"]["epsilon"] == 0.5
    english = (tmp_path / "en" / "report.html").read_text()
    assert "epsilon 0.5 per table" in english and "spends epsilon 2.5" in english
    russian = (tmp_path / "ru" / "report.html").read_text()
    assert "эпсилон 0,5 на таблицу" in russian and "расходует эпсилон 2,5" in russian
    pdf_text = " ".join(pdf.text((tmp_path / "ru" / "report.pdf").read_bytes()).split())
    assert "Дифференциальная приватность: механизм Лапласа" in pdf_text
    # The counts are not the exact ones: the exact report of the same scope differs somewhere.
    exact = reporting.build(demo, parse_spec(""), tmp_path / "exact", with_pdf=False)
    assert exact.report_id != built["en"].report_id
    exact_manifest = json.loads((tmp_path / "exact" / "manifest.json").read_bytes())
    assert [f["values"] for f in exact_manifest["figures"] if f["kind"] == "table"] != [
        f["values"] for f in manifest["figures"] if f["kind"] == "table"
    ]


def test_a_changed_number_in_a_noised_report_is_named(demo: Archive, out: Path) -> None:
    reporting.build(demo, parse_spec(DP), out, with_pdf=False)
    path = out / "acts-by-month.csv"
    path.write_text(
        re.sub(r"^(20[0-9-]+),(\d+)$", r"\1,9999", path.read_text(), count=1, flags=re.M)
    )
    result = report_verification.verify(demo, out)
    assert result.differing == ["acts-by-month"]


def test_counts_far_from_the_archives_are_not_plausible() -> None:
    true = Table("t", "acts", "period", COUNT, ("2019-01",), (COUNT,), {("2019-01", COUNT): 40})
    cells = {("2019-01", COUNT): 43, ("*", COUNT): 43}
    assert privacy.plausible(true, ["2019-01"], [COUNT], cells, 1.0)
    far = 40 + privacy.tolerance(1.0, 1) + 1
    assert not privacy.plausible(
        true, ["2019-01"], [COUNT], {("2019-01", COUNT): far, ("*", COUNT): far}, 1.0
    )
    assert not privacy.plausible(true, ["2019-02"], [COUNT], cells, 1.0)  # other categories


BLOCKER = """
import importlib.abc, runpy, sys
class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "opendp":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Missing())
sys.argv[0] = "bearwitness"
runpy.run_module("bearwitness.cli.main", run_name="__main__", alter_sys=True)
"""


def test_without_the_extra_a_noised_report_says_what_to_install(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "session", python=("-c", BLOCKER))
    folder, passphrase = tmp_path / "archive", "a long and careful FICTIONAL passphrase\n"
    cli("init", folder, "--passphrase-stdin", stdin=passphrase)
    cli("unlock", folder, "--stdin", stdin=passphrase)
    try:
        spec = tmp_path / "dp.toml"
        spec.write_text(DP)
        kept = sorted((folder / checkpoints.CHECKPOINTS).glob("*"))
        refused = cli("report", "build", folder, "--spec", spec, "--out", tmp_path / "r", ok=False)
        assert refused.returncode == 14, refused.stderr
        assert "pip install 'bearwitness[dp]'" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert sorted((folder / checkpoints.CHECKPOINTS).glob("*")) == kept  # nothing signed
        assert not (tmp_path / "r").exists()
    finally:
        cli("lock", folder, ok=False)
