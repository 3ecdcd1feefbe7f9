"""A real ``warmflow run`` process on a free loopback port, seeded first: what browser tests and
the faces benchmark load pages from (SQLite and the in-process bus under ``data_dir``)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

WARMFLOW = [sys.executable, "-m", "warmflow_gateway.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(
    url: str, process: subprocess.Popen[bytes], timeout: float, *, what: str = "warmflow run"
) -> None:
    """Poll ``url`` until it answers 200; fail early if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)  # polling a starting process
    raise TimeoutError(f"{what} did not become ready")


def platform_env(data_dir: Path, env: Mapping[str, str] = {}) -> dict[str, str]:
    return {
        **os.environ,
        "WARMFLOW_DATA_DIR": str(data_dir),
        "WARMFLOW_STORAGE_BACKEND": "sqlite",
        "WARMFLOW_BUS_BACKEND": "inprocess",
        "WARMFLOW_LOG_LEVEL": "WARNING",
        "WARMFLOW_RATE_LIMIT_PER_SECOND": "0",
        **env,
    }


def seed_platform(data_dir: Path, members: int, env: Mapping[str, str] = {}) -> None:
    """Organisations, sites and ``members`` demo members; not the demo class and transfer cases
    (tests make the classes and cases they look at: the demo's would hold their members)."""
    seed = [*WARMFLOW, "seed", "--members", str(members), "--no-activity"]
    subprocess.run(seed, env=platform_env(data_dir, env), check=True, capture_output=True)


class PlatformProcess:
    """``warmflow run`` on ``data_dir``: started, stopped (SIGTERM) or killed (SIGKILL), and
    started again on the same data (crash tests). Its output goes to ``data_dir/run.log``."""

    def __init__(
        self, data_dir: Path, env: Mapping[str, str] = {}, prefix: Sequence[str] = ()
    ) -> None:
        """``prefix``: what runs the command, e.g. ``faketime -f +200d`` (the clock moved on)."""
        self.data_dir, self.env, self.prefix = data_dir, platform_env(data_dir, env), prefix
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, timeout: float = 90.0) -> str:
        port = free_port()
        with (self.data_dir / "run.log").open("ab") as log:
            command = [*self.prefix, *WARMFLOW, "run", "--port", str(port)]
            # a group of its own: a prefix such as faketime forks the platform and waits for it,
            # so a signal to the prefix alone would leave the platform running
            self.process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        self.url = f"http://127.0.0.1:{port}"
        wait_ready(f"{self.url}/readyz", self.process, timeout)
        return self.url

    def kill(self) -> None:
        """``kill -9``: no shutdown hook runs, nothing is flushed or committed."""
        self._end(signal.SIGKILL, timeout=30)

    def stop(self) -> None:
        self._end(signal.SIGTERM, timeout=60)

    def _end(self, sig: signal.Signals, *, timeout: float) -> None:
        """Signal the platform's whole group and wait (bounded) until none of it is left."""
        if self.process is None:
            return
        group, deadline = self.process.pid, time.monotonic() + timeout
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, sig)
        self.process.wait(timeout=timeout)
        self.process = None
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)  # the group's last process is exiting: nothing to wait on


@contextmanager
def running_platform(
    data_dir: Path,
    *,
    members: int,
    env: Mapping[str, str] = {},
    timeout: float = 90.0,
    prefix: Sequence[str] = (),
) -> Iterator[str]:
    """Seed ``members`` demo members, start the platform, yield its base URL, stop it (SIGTERM);
    ``prefix`` runs the platform (not the seed), e.g. under ``faketime``."""
    seed_platform(data_dir, members, env)
    platform = PlatformProcess(data_dir, env, prefix)
    try:
        yield platform.start(timeout)
    finally:
        platform.stop()
