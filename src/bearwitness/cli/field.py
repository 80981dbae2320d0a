"""Field intake commands: the archive's ODK key, and the devices that may send."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from bearwitness.cli.session import ARCHIVE_ARGUMENT, console, open_archive
from bearwitness.cli.terminal import inert
from bearwitness.errors import InputError
from bearwitness.services import devices, field_forms, odk_keys

devices_app = typer.Typer(
    help="Phones (ODK Collect, KoboCollect, Tella) enrolled to send to the intake.",
    no_args_is_help=True,
)
odk_app = typer.Typer(help="The archive's RSA key for encrypted ODK forms.", no_args_is_help=True)


@odk_app.command("key")
def make_key(folder: Path = ARCHIVE_ARGUMENT) -> None:
    """Make the archive's RSA-3072 key pair for ODK forms (an archive made before `init`
    made one); logged. Its private half opens only with an unlock."""
    with open_archive(folder) as archive:
        public = odk_keys.create(archive)
    console.print(
        f"Made the ODK key (SHA-256 {odk_keys.fingerprint(public)}). Forms now carry it; "
        "what phones send with it opens only at an unlock."
    )


@odk_app.command("form")
def upload_form(
    folder: Path = ARCHIVE_ARGUMENT,
    xlsform: Path = typer.Argument(..., help="The XLSForm (.xlsx) to publish."),
    maps: list[str] = typer.Option(
        [],
        "--map",
        help="FIELD=TARGET, e.g. what=event.title (repeatable; TARGET empty to unmap).",
    ),
) -> None:
    """Publish your own XLSForm to field devices, encrypted to the archive's ODK key
    (logged). Its fields fill records by its map: the survey sheet's `bearwitness`
    column, then each --map; a new version keeps the map of the fields it still has."""
    mapping: dict[str, str] = {}
    for item in maps:
        name, sign, target = item.partition("=")
        if not sign or not name.strip():
            raise InputError(
                f"--map {item[:60]!r} is not FIELD=TARGET",
                hint="For example --map what=event.title; targets: "
                f"{', '.join(field_forms.TARGETS)}.",
            )
        mapping[name.strip()] = target.strip()
    try:
        data = xlsform.read_bytes()
    except OSError as error:
        raise InputError(
            f"{xlsform.name}: cannot be read ({error.strerror})", hint="Check the path."
        ) from None
    with open_archive(folder) as archive:
        form = field_forms.upload(archive, data, xlsform.name)
        if mapping:
            form = field_forms.set_mapping(archive, form.form_id, {**form.mapping, **mapping})
    console.print(
        f"Published {inert(form.form_id)} version {inert(form.version)} "
        f"({len(form.fields)} fields, {len(form.mapping)} mapped)."
    )
    for name, target in sorted(form.mapping.items()):
        console.print(f"  {inert(name)} -> {target}")


@odk_app.command("forms")
def list_forms(folder: Path = ARCHIVE_ARGUMENT) -> None:
    """The archive's own XLSForms that the intake publishes, and their field maps."""
    with open_archive(folder) as archive:
        found = field_forms.every(archive.folder)
    if not found:
        console.print("No form of your own is published (only the incident form).")
        return
    table = Table("form", "version", "title", "fields", "mapped")
    for form in found:
        table.add_row(
            inert(form.form_id),
            inert(form.version),
            inert(form.title),
            str(len(form.fields)),
            ", ".join(f"{inert(n)}->{t}" for n, t in sorted(form.mapping.items())),
        )
    console.print(table)


@devices_app.command("add")
def add_device(
    folder: Path = ARCHIVE_ARGUMENT,
    name: str = typer.Argument(..., help="A name for the device, e.g. phone-3 (kept in clear)."),
    base_url: str = typer.Option(
        devices.DEFAULT_BASE_URL, "--base-url", help="The intake's address as phones reach it."
    ),
) -> None:
    """Enrol a device (logged). The last line printed is its server URL: enter it in ODK
    Collect; it is shown only this once."""
    with open_archive(folder) as archive:
        device, url = devices.add(archive, name, base_url=base_url)
    console.print(f"Enrolled {inert(device.name)} ({device.device_id}). Its server URL:")
    print(url)


@devices_app.command("list")
def list_devices(folder: Path = ARCHIVE_ARGUMENT) -> None:
    """Every device enrolled, and whether it may still send."""
    with open_archive(folder) as archive:
        found = devices.read(archive.folder)
    if not found:
        console.print("No device is enrolled.")
        return
    table = Table("name", "id", "enrolled", "state")
    for device in found:
        state = f"revoked {device.revoked}" if device.revoked else "may send"
        table.add_row(inert(device.name), device.device_id, device.added, state)
    console.print(table)


@devices_app.command("revoke")
def revoke_device(
    folder: Path = ARCHIVE_ARGUMENT,
    name: str = typer.Argument(..., help="The device's name, as `devices list` shows it."),
) -> None:
    """Stop a device from sending (logged): its URL gets 401 from now on."""
    with open_archive(folder) as archive:
        device = devices.revoke(archive, name)
    console.print(f"Revoked {inert(device.name)} ({device.device_id}).")


def register(app: typer.Typer) -> None:
    app.add_typer(devices_app, name="devices")
    app.add_typer(odk_app, name="odk")
