"""Spreadsheets in and tables out: read and preview a sheet of N FICTIONAL person rows (CSV
and XLSX), import it through ``storing.store``, then export the list as CSV and XLSX (clear
fields, and with a sealed field, consent asked).

    .venv/bin/python bench/sheets.py [--rows 10000]

Prints each step's seconds and rows per second, with N.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

PASSPHRASE = "FICTIONAL bench passphrase"


def main() -> None:
    import openpyxl

    from bearwitness.crypto.kdf import KdfParams
    from bearwitness.services import listing, spreadsheets, storing, tables
    from bearwitness.services.archive import Archive

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    header = ["Name", "Role", "Sex", "Note"]
    cells = [
        [f"FICTIONAL Person {n}", ("victim", "witness")[n % 2], ("male", "female")[n % 2], "x"]
        for n in range(rows)
    ]
    text = "\n".join(",".join(row) for row in [header, *cells]).encode()
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("people")
    for row in [header, *cells]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    mapping = {"Name": "full_name", "Role": "role", "Sex": "sex", "Note": "notes"}

    def timed(what: str, work: object) -> object:
        start = time.perf_counter()
        result = work()  # type: ignore[operator]
        seconds = time.perf_counter() - start
        print(f"{what:<34} {seconds:8.2f} s  {rows / seconds:10,.0f} rows/s  (N={rows:,})")
        return result

    with tempfile.TemporaryDirectory() as folder:
        archive, _ = Archive.create(
            Path(folder) / "archive",
            passphrase=PASSPHRASE,
            kdf_params=KdfParams.insecure_for_tests(),
        )
        read = timed("read CSV", lambda: spreadsheets.read_sheet("p.csv", text))
        timed("read XLSX", lambda: spreadsheets.read_sheet("p.xlsx", buffer.getvalue()))
        found = timed(
            "preview (check every row)",
            lambda: spreadsheets.preview(archive, read, "person", mapping),
        )  # type: ignore[arg-type]
        timed(
            "store (write, unlocked)",
            lambda: storing.store(archive, found.entries, "p.csv", "import"),
        )  # type: ignore[attr-defined]
        query = listing.ListQuery("person", {})
        timed("export list CSV, clear", lambda: tables.export_list(archive, query, "csv"))
        timed("export list XLSX, clear", lambda: tables.export_list(archive, query, "xlsx"))
        timed(
            "export list CSV, full_name sealed",
            lambda: tables.export_list(archive, query, "csv", sealed=["full_name"]),
        )
        archive.close()


if __name__ == "__main__":
    main()
