"""Running the real `bearwitness` command in a child process, with its own HOME and TMPDIR."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Cli:
    home: Path
    # Unix socket paths are limited to 108 bytes: the agent's runtime dir must be short.
    run_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bw", dir="/tmp")))
    # What follows the interpreter: the command's module, or a script that runs it.
    python: tuple[str, ...] = ("-m", "bearwitness.cli.main")

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BEARWITNESS")}
        for name in ("tmp", "home"):
            (self.home / name).mkdir(parents=True, exist_ok=True)
        env.update(
            TMPDIR=str(self.home / "tmp"),
            XDG_RUNTIME_DIR=str(self.run_dir),
            HOME=str(self.home / "home"),
            COLUMNS="200",
            NO_COLOR="1",
        )
        return env

    def __call__(
        self, *args: str | Path, stdin: str = "", ok: bool = True
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, *self.python, *map(str, args)],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
            cwd=self.home,
        )
        if ok and done.returncode != 0:
            raise AssertionError(
                f"bearwitness {args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done
