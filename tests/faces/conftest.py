"""Browser tests of the faces: a real `warmflow run` process (seeded demo data) and Debian's
Chromium driven by Playwright (which never downloads a browser here). Screenshots go to
``var/screenshots``.

Without Chromium or a built ``web/dist`` they skip, and fail under ``WARMFLOW_REQUIRE_SERVERS=1``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from warmflow_shared.testing.chromium import CHROMIUM, chromium_path, launch
from warmflow_shared.testing.platform_process import running_platform
from warmflow_shared.testing.servers import unavailable

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
SHOTS = ROOT / "var" / "screenshots"


def faces_and_faketime() -> str:
    """For a platform run with the clock moved on: the built faces and ``faketime``'s path."""
    if not (DIST / "console" / "index.html").is_file():
        unavailable("the faces", "not built (make install runs npm ci and the Vite build)")
    faketime = shutil.which("faketime")
    if faketime is None:
        unavailable("faketime", "not installed (Debian's package faketime)")
    return faketime


@pytest.fixture(scope="module")
def platform_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The platform's data: its stores and the in-process bus log (``bus.sqlite``)."""
    return tmp_path_factory.mktemp("faces-platform")


@pytest.fixture(scope="module")
def platform_url(platform_dir: Path) -> Iterator[str]:
    if not (DIST / "console" / "index.html").is_file():
        unavailable("the faces", "not built (make install runs npm ci and the Vite build)")
    env = {"WARMFLOW_WEB_DIST_DIR": str(DIST)}
    # seeding and starting take ~20 s; far longer when the machine is shared and loaded
    with running_platform(platform_dir, members=40, env=env, timeout=240) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Module-scoped: Playwright's sync API holds an event loop in this thread while it lives, and
    # the async tests of later modules need the thread's loop free again.
    if chromium_path() is None:
        unavailable("Chromium", f"not found at {CHROMIUM} (Debian's package chromium)")
    from playwright.sync_api import expect, sync_playwright

    # an assertion's patience, not a pause: it returns as soon as the page agrees. Playwright's
    # 5 s ran out under CI's load (a save and its navigation on a shared 2-core machine)
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> object:
    folder = SHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page: object, name: str) -> None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    return shot
