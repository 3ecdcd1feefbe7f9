"""Browser tests of the faces: a real `warmflow run` process (seeded demo data) and Debian's
Chromium driven by Playwright (which never downloads a browser here). Screenshots go to
``var/screenshots``.

Without Chromium or a built ``web/dist`` they skip, and fail under ``WARMFLOW_REQUIRE_SERVERS=1``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from warmflow_shared.testing.servers import servers_required

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
SHOTS = ROOT / "var" / "screenshots"
CHROMIUM = os.environ.get("WARMFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _missing(what: str) -> None:
    if servers_required():
        pytest.fail(f"{what} (WARMFLOW_REQUIRE_SERVERS=1 demands it)", pytrace=False)
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"warmflow run exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)  # polling a starting process, not waiting out a race
    raise TimeoutError("the platform did not become ready")


@pytest.fixture(scope="session")
def platform_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (DIST / "console" / "index.html").is_file():
        _missing("the faces are not built (make install runs npm ci and the Vite build)")
    data = tmp_path_factory.mktemp("faces-platform")
    env = {
        **os.environ,
        "WARMFLOW_DATA_DIR": str(data),
        "WARMFLOW_WEB_DIST_DIR": str(DIST),
        "WARMFLOW_STORAGE_BACKEND": "sqlite",
        "WARMFLOW_BUS_BACKEND": "inprocess",
        "WARMFLOW_LOG_LEVEL": "WARNING",
        "WARMFLOW_RATE_LIMIT_PER_SECOND": "0",
    }
    warmflow = [sys.executable, "-m", "warmflow_gateway.cli"]
    subprocess.run([*warmflow, "seed", "--members", "40"], env=env, check=True, capture_output=True)
    port = _free_port()
    log = (data / "run.log").open("wb")
    process = subprocess.Popen(
        [*warmflow, "run", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        _missing(f"Chromium not found at {CHROMIUM} (Debian's package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> object:
    folder = SHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page: object, name: str) -> None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    return shot
