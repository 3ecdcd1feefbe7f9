"""First load of the faces in headless Chromium on loopback, against the gateway's plain page.

One ``warmflow run`` process (seeded) serves both. Each round opens a fresh browser context (cold
cache) and loads, alternating, the baseline and each face's first route.
Baseline: ``GET /`` — the gateway's links page (a few hundred bytes of HTML, no script).
Subject: ``/console/signin`` and ``/m/signin`` — the built bundles as a first visit gets them.
Measured: first contentful paint (ms, the browser's own paint timing) and the JavaScript
transferred (gzip bytes on the wire, from resource timing). Ratio = subject FCP / baseline FCP.
Targets (issue 11): JavaScript for the first route <= 500 KB and FCP <= 1.5 s.

Member list at scale: two platforms, one holding a small county roster (200 members), one a big
one (50,000; 5,000 with --quick), both imported through ``POST /imports``. Baseline: the time
from navigating to ``/console/members`` until its first page is on screen, on the small one;
subject: the same on the big one. Ratio = subject / baseline; target <= 2 (the list pages on the
server, so its cost must not grow with the roster; the page holds 20 rows whatever the size).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from warmflow_shared.testing.chromium import PHONE, launch
from warmflow_shared.testing.platform_process import running_platform

from bench._support import Comparison, Config
from bench.registry_import import roster

ROOT = Path(__file__).resolve().parents[1]
MAX_JS_KB = 500
MAX_FCP_MS = 1500
MEASURE = """() => new Promise((done) => {
  const read = () => {
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    if (!paint) return setTimeout(read, 20);
    const js = performance.getEntriesByType('resource')
      .filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'))
      .reduce((sum, r) => sum + r.transferSize, 0);
    done({ fcp: paint.startTime, js });
  };
  read();
})"""


def _load(browser: Any, url: str, phone: bool) -> dict[str, float]:
    context = browser.new_context(
        **(PHONE if phone else {"viewport": {"width": 1400, "height": 900}})
    )
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        return dict(page.evaluate(MEASURE))
    finally:
        context.close()


SMALL_ROSTER = 200
BIG_ROSTER, QUICK_BIG_ROSTER = 50_000, 5_000


def _import(base: str, rows: int) -> None:
    """The roster through the registry's own import, waited for (bounded polling)."""
    grant = httpx.post(f"{base}/auth/demo-token", json={"user": "yuexi-admin"}).json()
    headers = {"Authorization": f"Bearer {grant['access_token']}"}
    data = roster(rows, date.today(), seed=rows)
    files = {"file": ("花名册.csv", data, "text/csv")}
    job = httpx.post(f"{base}/api/registry/imports", files=files, headers=headers, timeout=600)
    job.raise_for_status()
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        state = httpx.get(f"{base}/api/registry/imports/{job.json()['id']}", headers=headers)
        if state.json()["status"] == "done":
            return
        time.sleep(1)  # polling a long job
    raise TimeoutError("the roster import did not finish")


def _list_seconds(browser: Any, base: str) -> tuple[float, int]:
    """Sign in as Yuexi's admin, then time /console/members until its first page shows."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{base}/console/signin")
        page.locator("[data-test=demo-yuexi-admin]").click()
        page.wait_for_url("**/console/dashboard")
        started = time.perf_counter()
        page.goto(f"{base}/console/members")
        page.locator("[data-test=member-table] tbody tr").nth(19).wait_for()
        seconds = time.perf_counter() - started
        return seconds, page.locator("[data-test=member-table] tbody tr").count()
    finally:
        context.close()


def member_list(config: Config, browser: Any, rounds: int) -> dict[str, Any]:
    big = QUICK_BIG_ROSTER if config.quick else BIG_ROSTER
    dist = {"WARMFLOW_WEB_DIST_DIR": str(ROOT / "web" / "dist")}
    comparison = Comparison(
        name="faces_member_list",
        unit="s",
        ratio_definition="seconds to the first page with the big roster / with the small one",
        target="<= 2",
        target_ok=lambda ratio: ratio <= 2,
        size={"small": SMALL_ROSTER, "big": big, "rounds": rounds},
    )
    with (
        tempfile.TemporaryDirectory() as a,
        tempfile.TemporaryDirectory() as b,
        running_platform(Path(a), members=0, env=dist) as small,
        running_platform(Path(b), members=0, env=dist) as large,
    ):
        _import(small, SMALL_ROSTER)
        _import(large, big)
        rows = 0
        for _ in range(rounds):
            baseline, _ = _list_seconds(browser, small)
            subject, rows = _list_seconds(browser, large)
            comparison.add(baseline, subject, subject / baseline)
    comparison.notes = {"rows_on_the_page": rows}
    comparison.report()
    return comparison.summary()


def run(config: Config) -> dict[str, dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    rounds = max(config.rounds, 3)
    results: dict[str, dict[str, Any]] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_platform(
            Path(tmp), members=20, env={"WARMFLOW_WEB_DIST_DIR": str(ROOT / "web" / "dist")}
        ) as base,
        sync_playwright() as playwright,
    ):
        browser = launch(playwright)
        for face, phone in (("console", False), ("m", True)):
            js_kb: list[float] = []
            comparison = Comparison(
                name=f"faces_first_load[{face}]",
                unit="ms FCP",
                ratio_definition="subject first contentful paint / baseline first contentful paint",
                target=f"JS <= {MAX_JS_KB} KB gzip and FCP <= {MAX_FCP_MS} ms",
                target_ok=lambda _ratio: True,  # set below from the medians
                size={"rounds": rounds},
            )
            _load(browser, f"{base}/{face}/signin", phone)  # the server's first read of the files
            for _ in range(rounds):
                baseline = _load(browser, f"{base}/", phone)
                subject = _load(browser, f"{base}/{face}/signin", phone)
                comparison.add(baseline["fcp"], subject["fcp"], subject["fcp"] / baseline["fcp"])
                js_kb.append(subject["js"] / 1024)
            fcp = statistics.median(comparison.subject)
            kb = statistics.median(js_kb)
            comparison.notes = {"js_kb_gzip": round(kb, 1), "fcp_ms": round(fcp, 1)}
            comparison.target_ok = lambda _ratio, kb=kb, fcp=fcp: (
                kb <= MAX_JS_KB and fcp <= MAX_FCP_MS
            )
            comparison.report()
            print(f"    JavaScript transferred {kb:,.1f} KB (gzip), FCP {fcp:,.0f} ms", flush=True)
            results[comparison.name] = comparison.summary()
        results["faces_member_list"] = member_list(config, browser, rounds)
        browser.close()
    return results
