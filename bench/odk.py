"""Field intake benchmark: encrypted ODK submissions taken in per second, and folded per second.

    .venv/bin/python bench/odk.py [--submissions 200] [--photo-kb 1024] [--threads 4]
                                  [--no-fsync]

Makes a FICTIONAL archive with its ODK key and one enrolled device, then sends
``--submissions`` encrypted submissions (the incident form's XML and one photo of
``--photo-kb`` KiB of random bytes, encrypted as ODK Collect does) to the intake app with
``--threads`` OpenRosa clients at once (in process, through the whole ASGI app: auth,
multipart, checks, sealing into the inbox with fsync). Then unlocks and folds them:
decrypting (RSA-OAEP unwrap, AES-CFB), checking the signature, mapping into records and
writing them (sealed, versioned, logged). Prints both rates, the input size and the CPUs.
Targets (issue 14): at least 100 submissions/s taken in, 500/s folded.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

PASSPHRASE = "FICTIONAL benchmark passphrase"


class FsyncCounter:
    """Counts ``os.fsync`` calls while it is on (the intake's and the fold's own)."""

    def __init__(self) -> None:
        self.count = 0
        self._real = os.fsync

    def __enter__(self) -> FsyncCounter:
        def counted(fd: int) -> None:
            self.count += 1
            self._real(fd)

        os.fsync = counted
        return self

    def __exit__(self, *_: object) -> None:
        os.fsync = self._real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--photo-kb", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-fsync", action="store_true")
    parser.add_argument(
        "--profile", action="store_true", help="print the fold's 25 costliest calls (cProfile)"
    )
    parser.add_argument(
        "--sort", default="cumulative", help="the profile's order (cumulative, tottime...)"
    )
    options = parser.parse_args()

    from fastapi.testclient import TestClient
    from tests.web.test_openrosa import incident_xml

    from bearwitness.crypto import odk
    from bearwitness.crypto.kdf import KdfParams
    from bearwitness.services import devices, inbox, odk_forms, odk_keys
    from bearwitness.services.archive import Archive
    from bearwitness.web.source.app import IntakeSettings, create_intake_app

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "archive"
        archive, _ = Archive.create(
            folder, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
        )
        public = odk.load_public_base64(odk_keys.create(archive))
        _, url = devices.add(archive, "bench-phone", base_url="https://testserver")
        archive.close()
        path = url.removeprefix("https://testserver")

        photo = os.urandom(options.photo_kb * 1024)
        prepared = []
        for _ in range(options.submissions):
            instance = f"uuid:{uuid.uuid4()}"
            prepared.append(
                odk.seal_submission(
                    public,
                    form_id=odk_forms.FORM_ID,
                    version=odk_forms.FORM_VERSION,
                    instance_id=instance,
                    xml=incident_xml(instance),
                    media=[("1561432532482.jpg", photo)],
                )
            )
        settings = IntakeSettings(fictional=True, fsync=not options.no_fsync, rate=1e9, burst=10**9)
        app = create_intake_app(folder, settings)
        failures: list[int] = []
        with TestClient(app, base_url="https://testserver") as client:
            work = list(prepared)
            lock = threading.Lock()

            def send() -> None:
                while True:
                    with lock:
                        if not work:
                            return
                        xml, files = work.pop()
                    parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
                    parts += [(n, (n, d, "application/octet-stream")) for n, d in files.items()]
                    answer = client.post(f"{path}/submission", files=parts)
                    if answer.status_code != 201:
                        failures.append(answer.status_code)

            started, cpu = time.perf_counter(), time.process_time()
            with FsyncCounter() as intake_syncs:
                threads = [threading.Thread(target=send) for _ in range(options.threads)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
        app.app.state.archive.close()
        print(
            f"intake: {options.submissions} encrypted submissions, each with a "
            f"{options.photo_kb} KiB photo, {options.threads} clients, fsync "
            f"{'off' if options.no_fsync else 'on'}: {options.submissions / took:.1f}/s "
            f"({options.submissions / cpu:.1f} per CPU second) "
            f"({len(failures)} refused) on {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f}; {intake_syncs.count / options.submissions:.1f} "
            "fsyncs per submission"
        )

        archive = Archive.open(folder)
        archive.unlock_with_passphrase(PASSPHRASE)
        profiler = cProfile.Profile() if options.profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        with FsyncCounter() as fold_syncs:
            report = inbox.fold(archive)
        if profiler is not None:
            profiler.disable()
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        if profiler is not None:
            pstats.Stats(profiler).sort_stats(options.sort).print_stats(25)
        archive.close()
        print(
            f"unlock: {report.folded} submissions decrypted, checked and written as "
            f"{report.records} records ({len(report.failed)} failed): "
            f"{report.folded / took:.1f} submissions/s ({report.folded / cpu:.1f} per CPU "
            f"second), load average {os.getloadavg()[0]:.1f}; {fold_syncs.count} fsyncs"
        )


if __name__ == "__main__":
    main()
