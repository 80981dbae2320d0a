"""Web benchmark: p95 latency of the workbench's pages, edits and intake throughput.

    .venv/bin/python bench/web.py [--documents 100000] [--persons 20000] [--seconds 20]
                                  [--threads 8] [--archive PATH] [--only-lists] [--edits-only]

Builds (or reuses, with --archive) a FICTIONAL archive, starts `bearwitness serve` and
`bearwitness serve-intake` as their own processes on loopback, and drives them from a
second process (threads with keep-alive connections). Prints, per page, requests, p50,
p95 and p99 latency; then saving an edit (each thread edits acts of its own, so that no
save is refused as a conflict: each is one new logged version) and opening an edited
act's page with its history; then intake submissions per second (each a testimony of ~1 KB,
sealed to the archive's key and fsynced into the inbox); then the intake's peak memory
(VmHWM) before and after --bombs decompression bombs sent at once (PNGs of 143 KB that
declare 7000×7000 pixels). Figures depend on the machine: the printed line says how many
CPUs it had.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSPHRASE = "FICTIONAL benchmark passphrase"
PASSWORD = "FICTIONAL benchmark password"
TOTP = "FICTIONALBENCHTOTPSECRETAAAAAAAA"
WORDS = [
    "detained",
    "passport",
    "Argun",
    "forms",
    "signed",
    "names",
    "beaten",
    "relatives",
    "задержали",
    "паспорт",
    "бланки",
    "имена",
    "night",
    "basement",
    "released",
    "lawyer",
]

# One document in a hundred names a FICTIONAL person, in a Russian case form: what the
# search scenarios look for by name in either script (see lists_and_search_paths).
NAMED = {0: " Руслана Тагирова увезли.", 50: " Aminat Tagirova saw it."}


def build(folder: Path, documents: int, persons: int) -> None:
    from bearwitness.crypto.kdf import KdfParams
    from bearwitness.intake.importers import ImportRow
    from bearwitness.services import users, writing
    from bearwitness.services.archive import Archive

    rng = random.Random(7)
    archive, _ = Archive.create(
        folder, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    users.add_user(archive, "bench", PASSWORD, list(users.ROLES), totp_secret=TOTP)
    rows: list[dict[str, object]] = [
        {
            "type": "person",
            "id": f"P-{n:06d}",
            "role": "victim",
            "sex": "unknown",
            "full_name": f"FICTIONAL Person {n}",
            "fictional": True,
        }
        for n in range(1, persons + 1)
    ]
    acts = ("arbitrary_detention", "torture", "seizure_of_documents", "forced_signature")
    rows += [
        {
            "type": "event",
            "id": f"E-{n:06d}",
            "date": f"2019-{n % 12 + 1:02d}",
            "district": "FICTIONAL district",
            "victims": f"~{n % 50 + 1}",
            "fictional": True,
        }
        for n in range(1, persons // 10 + 1)
    ]
    rows += [
        {
            "type": "act",
            "id": f"A-{n:06d}",
            "event_id": f"E-{n % (persons // 10) + 1:06d}",
            "victim_id": f"P-{n:06d}",
            "act_type": acts[n % len(acts)],
            "date": f"2019-{n % 12 + 1:02d}",
            "fictional": True,
        }
        for n in range(1, persons + 1)
    ]
    rows += [
        {
            "type": "document",
            "id": f"D-{n:07d}",
            "kind": "testimony",
            "received": f"2019-{rng.randint(1, 12):02d}",
            "title": f"FICTIONAL testimony {n}",
            "text": "FICTIONAL. "
            + " ".join(rng.choice(WORDS) for _ in range(60))
            + NAMED.get(n % 100, ""),
            "fictional": True,
        }
        for n in range(1, documents + 1)
    ]
    rows.append(
        {
            "type": "document",
            "id": "D-9999999",
            "title": "FICTIONAL needle",
            "text": "FICTIONAL haystackneedle",
            "fictional": True,
        }
    )
    for first in range(0, len(rows), 5000):
        chunk = [ImportRow(i, data) for i, data in enumerate(rows[first : first + 5000], 1)]
        writing.write_records(
            archive, writing.resolve_rows(archive, chunk, "bench"), operation="import"
        )
        print(f"  built {first + len(chunk):>7} / {len(rows)}", file=sys.stderr, end="\r")
    archive.close()
    print(file=sys.stderr)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(*args: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bearwitness.cli.main", *args, "--port", str(port)],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(300):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def login(base: str) -> str:
    import httpx
    import pyotp

    with httpx.Client(base_url=base) as client:
        page = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        client.post(
            "/login",
            data={
                "csrf": csrf,
                "username": "bench",
                "password": PASSWORD,
                "code": pyotp.TOTP(TOTP).now(),
            },
        )
        csrf = re.search(
            r'name="csrf" value="([^"]+)"',  # type: ignore[union-attr]
            client.get("/").text,
        ).group(1)
        client.post("/unlock/passphrase", data={"csrf": csrf, "passphrase": PASSPHRASE})
        assert "Unlocked" in client.get("/").text, "the bench could not unlock"
        return str(client.cookies["bw-session"])


ACT_TYPES = ("arbitrary_detention", "torture", "seizure_of_documents", "forced_signature")
EDITED_ACTS = 800  # the acts the edit run changes (A-000001 to A-000800)


def save_edits(
    client: Any, number: int, threads: int, stop: float, timings: list[float], failures: list[str]
) -> None:
    """One load thread's edits: acts of its own, one field each (the act type), so that
    every save writes a new version and none is refused as a conflict."""
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
    mine = [n for n in range(1, EDITED_ACTS + 1) if n % threads == number]
    versions: dict[int, int] = {}
    turn = 0
    while time.perf_counter() < stop:
        act = mine[turn % len(mine)]
        turn += 1
        path = f"/records/act/A-{act:06d}/edit"
        if act not in versions:  # the version the form was opened on (not timed)
            form = client.get(path).text
            versions[act] = int(re.search(r'name="version" value="(\d+)"', form).group(1))  # type: ignore[union-attr]
        version = versions[act]
        t0 = time.perf_counter()
        response = client.post(
            path,
            data={
                "csrf": csrf,
                "version": str(version),
                "fields": "act_type",
                "act_type": ACT_TYPES[(act + version) % len(ACT_TYPES)],
            },
        )
        timings.append(time.perf_counter() - t0)
        if response.status_code == 303:
            versions[act] = version + 1
        else:
            failures.append(f"{path}: {response.status_code}")
            versions.pop(act)


def load(
    base: str,
    paths: list[str],
    seconds: float,
    threads: int,
    cookie: str,
    intake: bool,
    documents: int = 100_000,
    persons: int = 20_000,
) -> dict[str, list[float]]:
    """Run in the load process: hit ``paths`` from ``threads`` threads; latencies by path.
    The path ``edit`` saves edits (:func:`save_edits`)."""
    import httpx

    timings: dict[str, list[float]] = {path: [] for path in paths}
    failures: list[str] = []
    stop = time.perf_counter() + seconds

    def worker(number: int) -> None:
        rng = random.Random(number)
        with httpx.Client(base_url=base, cookies={"bw-session": cookie}, timeout=60) as client:
            if paths == ["edit"]:
                save_edits(client, number, threads, stop, timings["edit"], failures)
                return
            while time.perf_counter() < stop:
                path = paths[rng.randrange(len(paths))]
                url = (
                    path.replace("{page}", str(rng.randint(1, 1000)))
                    .replace("{document}", f"D-{rng.randint(1, documents):07d}")
                    .replace("{person}", f"P-{rng.randint(1, persons):06d}")
                    .replace("{event}", f"{rng.randint(1, max(1, persons // 10)):06d}")
                    .replace("{list_page}", str(rng.randint(1, 20)))
                    .replace("{edited}", f"A-{rng.randint(1, EDITED_ACTS):06d}")
                )
                t0 = time.perf_counter()
                if intake:
                    text = "FICTIONAL benchmark testimony. " + "word " * 200
                    response = client.post(
                        path,
                        data={"text": text, "lang": "en"},
                        files=[("files", ("", b"", "application/octet-stream"))],
                    )
                else:
                    response = client.get(url)
                elapsed = time.perf_counter() - t0
                if response.status_code != 200:
                    failures.append(f"{url}: {response.status_code}")
                timings[path].append(elapsed)

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    if failures:
        print(f"  {len(failures)} failed requests, e.g. {failures[0]}", file=sys.stderr)
    return timings


def drive(
    base: str,
    paths: list[str],
    seconds: float,
    threads: int,
    cookie: str = "",
    intake: bool = False,
    sizes: tuple[int, int] = (100_000, 20_000),
) -> dict[str, list[float]]:
    """Run :func:`load` in a second process, so that client and server do not share a GIL."""
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--load",
            json.dumps(
                {
                    "base": base,
                    "paths": paths,
                    "seconds": seconds,
                    "threads": threads,
                    "cookie": cookie,
                    "intake": intake,
                    "documents": sizes[0],
                    "persons": sizes[1],
                }
            ),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    sys.stderr.write(done.stderr)
    return dict(json.loads(done.stdout))


def report(name: str, samples: list[float]) -> None:
    if len(samples) < 2:
        print(f"  {name:<36} {len(samples):>6} requests")
        return
    cuts = statistics.quantiles(samples, n=100)
    print(
        f"  {name:<36} {len(samples):>6} requests  p50 {cuts[49] * 1000:7.1f} ms  "
        f"p95 {cuts[94] * 1000:7.1f} ms  p99 {cuts[98] * 1000:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--bombs", type=int, default=4, help="PNG bombs sent at once (0: none).")
    parser.add_argument("--archive", type=Path, help="Reuse (or build once) the archive here.")
    parser.add_argument(
        "--only-lists",
        action="store_true",
        help="Run only the lists-with-facets and search-with-snippets scenarios.",
    )
    parser.add_argument(
        "--edits-only",
        action="store_true",
        help="Measure only saving edits and opening a record page with its history.",
    )
    parser.add_argument("--load", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        options = json.loads(args.load)
        print(json.dumps(load(**options)))
        return
    folder = args.archive or Path(tempfile.mkdtemp(prefix="bw-web-bench-")) / "archive"
    if not (folder / "bearwitness.toml").exists():
        t0 = time.perf_counter()
        build(folder, args.documents, args.persons)
        print(
            f"built {args.documents:,} documents, {args.persons:,} persons, "
            f"{args.persons // 10:,} events and {args.persons:,} acts in "
            f"{time.perf_counter() - t0:.0f} s"
        )
    print(
        f"machine: {os.cpu_count()} CPUs; load from a second process with {args.threads} "
        f"threads for {args.seconds:.0f} s per run, loopback"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.only_lists:
        lists_and_search(folder, args)
        return
    workbench, port = start("serve", str(folder), "--http-cookies")
    try:
        base = f"http://127.0.0.1:{port}"
        cookie = login(base)
        print("workbench pages (unlocked):")
        pages = [
            ["/records/document?after={document}"],
            ["/records/person?after={person}"],
            ["/records/act?act_type=torture&page={page}"],
            ["/records/event?after=E-{event}"],
            [f"/records/document/D-{args.documents // 2:07d}"],
            ["/search?q=haystackneedle"],
        ]
        edits = [
            ["edit"],  # POST /records/act/A-…/edit: one new logged version each
            ["/records/act/{edited}"],  # an edited act's page, with its history
            ["/records/document/{document}"],  # a document's page, with its history
        ]
        for paths in edits if args.edits_only else pages + edits:
            sizes = (args.documents, args.persons)
            timings = drive(base, paths, args.seconds, args.threads, cookie, sizes=sizes)
            for path, samples in timings.items():
                report("POST /records/act/…/edit (save)" if path == "edit" else path, samples)
        with open("/proc/loadavg") as average:
            print(f"load average (1, 5, 15 min): {' '.join(average.read().split()[:3])}")
        if args.edits_only:
            return
    finally:
        workbench.terminate()
        workbench.wait()
    intake, port = start("serve-intake", str(folder), "--fictional", "--rate", "1000000")
    try:
        inbox = folder / "inbox"
        waiting = set(inbox.iterdir())
        before = len(list(inbox.glob("*.batch.age")))
        timings = drive(
            f"http://127.0.0.1:{port}", ["/submit"], args.seconds, args.threads, intake=True
        )
        after = len(list(inbox.glob("*.batch.age")))
        for path in set(inbox.iterdir()) - waiting:  # the benchmark's own submissions
            path.unlink()
        samples = timings["/submit"]
        print(
            f"intake: {after - before:,} submissions sealed into the inbox in "
            f"{args.seconds:.0f} s = {(after - before) / args.seconds:,.0f} per second"
        )
        report("POST /submit", samples)
    finally:
        intake.terminate()
        intake.wait()
    if args.bombs:
        image_bombs(folder, args.bombs)
    lists_and_search(folder, args)


def lists_and_search_paths() -> list[list[str]]:
    """Issue 18's pages: filtered and sorted lists with their facet counts (and titles,
    opened while unlocked), and ranked search with snippets, by word form and by name in
    either script. Each list is one run."""
    return [
        ["/records/document?kind=testimony&sort=-date&page={list_page}"],
        ["/records/act?act_type=torture&sort=-date&page={list_page}"],
        ["/records/event?district=FICTIONAL+district&since=2019-03&sort=-date"],
        ["/records/person?role=victim&act_type=torture&page={list_page}"],
        ["/search?q=haystackneedle"],
        ["/search?q=Tagirov", "/search?q=Тагиров", "/search?q=тагирова"],
        ["/search?q=Tagirov&page=2", "/search?q=Tagirov&kind=document&page=3"],
    ]


def lists_and_search(folder: Path, args: argparse.Namespace) -> None:
    """Run :func:`lists_and_search_paths` against a fresh `serve`; first the time of each
    search's first request alone (it ranks every match: later pages and repeats reuse that
    until the archive changes), then each run under load."""
    import httpx

    workbench, port = start("serve", str(folder), "--http-cookies")
    try:
        base = f"http://127.0.0.1:{port}"
        cookie = login(base)
        print("lists with facets and search with snippets (unlocked):")
        with httpx.Client(base_url=base, cookies={"bw-session": cookie}, timeout=600) as client:
            for query in ("haystackneedle", "Tagirov", "Тагиров", "тагирова"):
                t0 = time.perf_counter()
                answer = client.get("/search", params={"q": query})
                found = re.search(r"(?:Found|Найдено): ([\d,  ]+)", answer.text)
                print(
                    f"  first search {query!r}: {(time.perf_counter() - t0) * 1000:.0f} ms, "
                    f"found {found.group(1).strip() if found else '?'}"
                )
        for paths in lists_and_search_paths():
            timings = drive(base, paths, args.seconds, args.threads, cookie)
            for path, samples in timings.items():
                report(path, samples)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        workbench.terminate()
        workbench.wait()


def png_bomb(side: int) -> bytes:
    """side×side black pixels in a few kilobytes (the IDAT is written directly)."""
    import struct
    import zlib

    packer = zlib.compressobj(9)
    row = bytes(1 + side * 3)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def image_bombs(folder: Path, count: int) -> None:
    bomb = png_bomb(7000)
    for extra in ([], ["--image-megapixels", "100"]):
        waiting = set((folder / "inbox").iterdir())
        intake, port = start("serve-intake", str(folder), "--fictional", *extra)
        try:
            before, answers, after = send_bombs(intake.pid, port, bomb, count)
        finally:
            intake.terminate()
            intake.wait()
        for path in set((folder / "inbox").iterdir()) - waiting:  # the benchmark's own
            path.unlink()
        print(
            f"intake {' '.join(extra) or '(defaults)'}: {count} PNG bombs of "
            f"{len(bomb) // 1024} KB at once -> {sorted(answers)}; server peak memory "
            f"{before} -> {after} MB"
        )


def send_bombs(pid: int, port: int, bomb: bytes, count: int) -> tuple[int, list[int], int]:
    import httpx

    status = Path(f"/proc/{pid}/status")

    def peak() -> int:
        found = re.search(r"VmHWM:\s+(\d+)", status.read_text())
        return int(found.group(1)) // 1024 if found else 0

    def send() -> None:
        answers.append(
            httpx.post(
                f"http://127.0.0.1:{port}/submit",
                timeout=600,
                data={"text": "FICTIONAL"},
                files=[("files", ("bomb.png", bomb, "image/png"))],
            ).status_code
        )

    httpx.get(f"http://127.0.0.1:{port}/")
    before, answers = peak(), []
    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return before, answers, peak()


if __name__ == "__main__":
    main()
