"""A real ``warmflow run`` process on a free loopback port, seeded first: what browser tests and
the faces benchmark load pages from (SQLite and the in-process bus under ``data_dir``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
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


@contextmanager
def running_platform(
    data_dir: Path, *, members: int, env: Mapping[str, str] = {}, timeout: float = 90.0
) -> Iterator[str]:
    """Seed ``members`` demo members, start the platform, yield its base URL, stop it (SIGTERM)."""
    full_env = {
        **os.environ,
        "WARMFLOW_DATA_DIR": str(data_dir),
        "WARMFLOW_STORAGE_BACKEND": "sqlite",
        "WARMFLOW_BUS_BACKEND": "inprocess",
        "WARMFLOW_LOG_LEVEL": "WARNING",
        "WARMFLOW_RATE_LIMIT_PER_SECOND": "0",
        **env,
    }
    seed = [*WARMFLOW, "seed", "--members", str(members)]
    subprocess.run(seed, env=full_env, check=True, capture_output=True)
    port = free_port()
    with (data_dir / "run.log").open("wb") as log:
        command = [*WARMFLOW, "run", "--port", str(port)]
        process = subprocess.Popen(command, env=full_env, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(f"{url}/readyz", process, timeout)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)
