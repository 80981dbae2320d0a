"""The pages this round's security fixes changed, in a real browser, in English and Russian.

Debian's Chromium driven by Playwright against the real `bearwitness serve` and
`serve-intake` processes, one archive for the module. Each test checks the words a person
must read and keeps a full-page screenshot in test-artifacts/web/ to be looked at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.intake.importers import ImportRow
from bearwitness.services import checkpoints, estimates, linking, users, writing
from bearwitness.services.archive import Archive
from tests.web.browsing import NEEDS_CHROMIUM, login, serving, shot
from tests.web.conftest import FICTIONAL_ROWS, LIST_ROLES, PASSPHRASE
from tests.web.test_intake_failures import NOT_STORED
from tests.web.test_uploads import DISGUISED, png_bomb

pytestmark = NEEDS_CHROMIUM

LANGS = ("en", "ru")
TEXT = "FICTIONAL: they took my neighbour's passport at the checkpoint"
WHEN, PLACE = "2019-01", "FICTIONAL village"
PLACES = ("FICTIONAL Upper Village", "FICTIONAL Lower Village")


@dataclass
class Servers:
    workbench: str
    intake: str
    folder: Path
    secrets: dict[str, str]
    vkey: str  # the archive's own log key
    unpublished: int  # the size of the checkpoint kept but never published


def _add_lists_in_two_places(archive: Archive) -> None:
    """FICTIONAL synthetic lists whose people lived in one of two places: the synthetic
    places are too many for every list to record somebody in each."""
    from bearwitness.linkage.synthetic import generate

    data = generate(60, seed=3)
    rows = []
    for number, row in enumerate(data.records.itertuples(index=False), start=1):
        person = int(data.truth[f"{row.list}:{row.record_id}"])
        fields = {role: str(getattr(row, role) or "") for role in LIST_ROLES}
        fields["event_place"] = PLACES[person % 2]
        rows.append(
            ImportRow(
                number,
                {
                    "type": "person_record",
                    "id": f"R-{number:04d}",
                    "fictional": True,
                    "list_name": row.list,
                    "list_record_id": row.record_id,
                    **fields,
                },
            )
        )
    writing.write_records(archive, writing.resolve_rows(archive, rows, "synthetic"))


def _prepare(folder: Path) -> tuple[dict[str, str], str, int]:
    """A FICTIONAL archive with lists, a link run, an estimate by place, and a checkpoint
    signed but never published (as if signing was killed between its two writes)."""
    archive, _ = Archive.create(
        folder, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    rows = [ImportRow(n, dict(data)) for n, data in enumerate(FICTIONAL_ROWS, start=1)]
    writing.write_records(archive, writing.resolve_rows(archive, rows, "fixture"))
    secrets = {
        role: users.add_user(archive, role, "FICTIONAL password for tests", [role])
        for role in ("custodian", "admin", "auditor", "analyst")
    }
    _add_lists_in_two_places(archive)
    linking.link_archive(archive)
    estimates.estimate_archive(archive, method="loglinear", strata=("place",))
    size = checkpoints.sign_new_checkpoint(archive).size
    vkey = checkpoints.log_verifier(archive).vkey()
    archive.close()
    (folder / "log" / "checkpoint").unlink()
    return secrets, vkey, size


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("security-pages") / "archive"
    secrets, vkey, size = _prepare(folder)
    with serving(folder) as (workbench, intake):
        yield Servers(workbench, intake, folder, secrets, vkey, size)


@pytest.fixture(scope="module")
def staff(servers: Servers, browser: object) -> Iterator[dict[str, object]]:
    """One logged-in page per role, kept for the module: a login spends a one-time code."""
    pages: dict[str, object] = {}
    for role in servers.secrets:
        page = browser.new_context().new_page()  # type: ignore[attr-defined]
        login(page, servers, role)  # type: ignore[arg-type]
        pages[role] = page
    yield pages
    for page in pages.values():
        page.context.close()  # type: ignore[attr-defined]


def _in(page: object, servers: Servers, lang: str, path: str) -> None:
    """Open ``path`` in the workbench with the session's language set to ``lang``."""
    page.goto(f"{servers.workbench}/?lang={lang}")  # type: ignore[attr-defined]
    page.goto(servers.workbench + path)  # type: ignore[attr-defined]


def _set_unlocked(staff: dict[str, object], servers: Servers, unlocked: bool) -> None:
    custodian = staff["custodian"]
    _in(custodian, servers, "en", "/")
    state = custodian.locator("#lock-state").inner_text()  # type: ignore[attr-defined]
    if unlocked and state == "Locked":
        custodian.goto(servers.workbench + "/unlock")  # type: ignore[attr-defined]
        custodian.get_by_label("Passphrase").fill(PASSPHRASE)  # type: ignore[attr-defined]
        custodian.get_by_role("button", name="Unlock").last.click()  # type: ignore[attr-defined]
        assert "unlocked" in custodian.locator("#message").inner_text()  # type: ignore[attr-defined]
    elif not unlocked and state == "Unlocked":
        custodian.get_by_role("button", name="Lock").click()  # type: ignore[attr-defined]


def _intake_form(browser: object, servers: Servers, lang: str) -> tuple[object, object]:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{servers.intake}/?lang={lang}")
    page.locator("#text").fill(TEXT)
    page.locator("#when").fill(WHEN)
    page.locator("#place").fill(PLACE)
    return context, page


def _submit(page: object) -> None:
    page.locator("button[type=submit]").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


FILES_AGAIN = {"en": "choose them again", "ru": "выберите их снова"}


def _kept_what_was_typed(page: object, lang: str) -> None:
    """The form keeps the text and says the files (which a browser never keeps) are gone."""
    assert page.locator("#text").input_value() == TEXT  # type: ignore[attr-defined]
    assert page.locator("#when").input_value() == WHEN  # type: ignore[attr-defined]
    assert page.locator("#place").input_value() == PLACE  # type: ignore[attr-defined]
    assert FILES_AGAIN[lang] in page.locator("#files-again").inner_text()  # type: ignore[attr-defined]


BOMB = {"en": "An image has more than 25 megapixels", "ru": "больше 25 мегапикселей"}


@pytest.mark.parametrize("lang", LANGS)
def test_a_decompression_bomb_is_refused_on_the_form_with_the_text_kept(
    servers: Servers, browser: object, tmp_path: Path, lang: str
) -> None:
    bomb = tmp_path / "photo.png"
    bomb.write_bytes(png_bomb(7000))  # 49 megapixels in 143 KB
    context, page = _intake_form(browser, servers, lang)
    page.locator("#files").set_input_files(str(bomb))  # type: ignore[attr-defined]
    _submit(page)
    error = page.locator("#form-error")  # type: ignore[attr-defined]
    assert error.is_visible() and BOMB[lang] in error.inner_text()
    _kept_what_was_typed(page, lang)
    shot(page, f"intake-refused-bomb-{lang}")
    context.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", LANGS)
def test_a_program_disguised_as_a_pdf_is_refused_on_the_form(
    servers: Servers, browser: object, tmp_path: Path, lang: str
) -> None:
    data, english, russian = DISGUISED["scan.pdf"]
    disguised = tmp_path / "scan.pdf"
    disguised.write_bytes(data)
    context, page = _intake_form(browser, servers, lang)
    page.locator("#files").set_input_files(str(disguised))  # type: ignore[attr-defined]
    _submit(page)
    error = page.locator("#form-error")  # type: ignore[attr-defined]
    assert error.is_visible()
    assert (english if lang == "en" else russian).lower() in error.inner_text().lower()
    _kept_what_was_typed(page, lang)
    shot(page, f"intake-refused-disguised-pdf-{lang}")
    context.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", LANGS)
def test_an_unwritable_inbox_gets_the_503_page(
    servers: Servers, browser: object, lang: str
) -> None:
    inbox = servers.folder / "inbox"
    assert not any(inbox.iterdir())  # nothing was kept by the refusals above
    inbox.rmdir()
    inbox.write_bytes(b"")  # root may write into any folder, so not chmod: not a folder at all
    try:
        context, page = _intake_form(browser, servers, lang)
        with page.expect_response(lambda r: "/submit" in r.url) as answer:  # type: ignore[attr-defined]
            _submit(page)
        assert answer.value.status == 503
        assert NOT_STORED[lang] in page.locator("main").inner_text()  # type: ignore[attr-defined]
        shot(page, f"intake-inbox-unwritable-503-{lang}")
        context.close()  # type: ignore[attr-defined]
    finally:
        inbox.unlink()
        inbox.mkdir()


LOG_KEY = {
    "en": "The log was checked against the archive's own key, ",
    "ru": "собственным ключом архива, ",
}
UNPUBLISHED = {
    "en": "Checkpoint {n} is kept but was never published",
    "ru": "Контрольная точка {n} сохранена, но так и не была опубликована",
}


@pytest.mark.parametrize("lang", LANGS)
def test_the_log_page_names_its_key_and_the_unpublished_checkpoint(
    servers: Servers, staff: dict[str, object], lang: str
) -> None:
    auditor = staff["auditor"]
    _in(auditor, servers, lang, "/log")
    auditor.locator("form[action='/log/verify'] button").click()  # type: ignore[attr-defined]
    assert auditor.locator("#verification.ok").is_visible()  # type: ignore[attr-defined]
    assert (
        LOG_KEY[lang] + servers.vkey
        in auditor.locator(  # type: ignore[attr-defined]
            "#log-key"
        ).inner_text()
    )
    assert (
        UNPUBLISHED[lang].format(n=servers.unpublished)
        in auditor.locator(  # type: ignore[attr-defined]
            "#unpublished"
        ).inner_text()
    )
    box = auditor.locator("#verification")  # type: ignore[attr-defined]
    assert "`" not in box.inner_text()  # commands are shown as code, not in backticks
    assert box.locator("code", has_text="bearwitness log checkpoint").is_visible()
    shot(auditor, f"workbench-log-key-unpublished-{lang}")


REFUSED_GRANT = {"en": "custodian", "ru": "хранител"}


@pytest.mark.parametrize("lang", LANGS)
def test_an_admin_who_is_no_custodian_is_refused_a_reading_grant(
    servers: Servers, staff: dict[str, object], lang: str
) -> None:
    _set_unlocked(staff, servers, True)
    admin = staff["admin"]
    _in(admin, servers, lang, "/users")
    assert admin.locator("#who-grants").is_visible()  # type: ignore[attr-defined]
    shot(admin, f"workbench-users-roles-{lang}")
    row = admin.locator("form[action='/users/auditor/roles']")  # type: ignore[attr-defined]
    boxes = row.locator("input[type=checkbox]")
    rows = {round(boxes.nth(i).bounding_box()["y"]) for i in range(boxes.count())}
    assert len(rows) < boxes.count()  # side by side, not one line each
    row.locator("input[value=analyst]").check()
    with admin.expect_response(lambda r: r.url.endswith("/roles")) as answer:  # type: ignore[attr-defined]
        row.locator("button").click()
    assert answer.value.status == 403
    shot(admin, f"workbench-users-grant-refused-{lang}")
    refusal = admin.locator("#form-error")  # type: ignore[attr-defined]
    assert refusal.is_visible() and REFUSED_GRANT[lang] in refusal.inner_text()
    assert "analyst" in refusal.inner_text()  # the role it refused
    assert "`" not in refusal.inner_text()


PROTECTION = {"en": "Keys in this server's memory:", "ru": "Ключи в памяти этого сервера:"}
GUARDED = {
    "en": "core dumps off, not dumpable",
    "ru": "дампы памяти отключены, процесс закрыт для дампа",
}


@pytest.mark.parametrize("lang", LANGS)
def test_the_start_page_unlocked_says_how_the_keys_are_protected(
    servers: Servers, staff: dict[str, object], lang: str
) -> None:
    _set_unlocked(staff, servers, True)
    analyst = staff["analyst"]
    _in(analyst, servers, lang, "/")
    text = analyst.locator("main").inner_text()  # type: ignore[attr-defined]
    # The line after the label comes from the process's hardening, its phrases translated.
    assert PROTECTION[lang] in text and GUARDED[lang] in text, text
    shot(analyst, f"workbench-home-key-protection-{lang}")


SEALED = {"en": "The strata are sealed", "ru": "Страты запечатаны"}
LISTS_HEADING = {"en": "Who was recorded on which lists", "ru": "Кто в каких списках"}


@pytest.mark.parametrize("lang", LANGS)
def test_an_estimate_by_place_seen_locked_says_its_strata_are_sealed(
    servers: Servers, staff: dict[str, object], lang: str
) -> None:
    _set_unlocked(staff, servers, False)
    analyst = staff["analyst"]
    _in(analyst, servers, lang, "/estimates/ES-0001")
    notice = analyst.locator("#strata-sealed")  # type: ignore[attr-defined]
    assert notice.is_visible() and SEALED[lang] in notice.inner_text()
    assert analyst.locator("#strata").count() == 0  # type: ignore[attr-defined]
    assert analyst.get_by_role("heading", name=LISTS_HEADING[lang]).count() == 0  # type: ignore[attr-defined]
    shot(analyst, f"workbench-estimate-strata-sealed-{lang}")
