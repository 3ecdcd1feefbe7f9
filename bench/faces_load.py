"""First load of the faces in headless Chromium on loopback, against the gateway's plain page.

One ``warmflow run`` process (seeded) serves both. Each round opens a fresh browser context (cold
cache) and loads, alternating, the baseline and each face's first route.
Baseline: ``GET /`` — the gateway's links page (a few hundred bytes of HTML, no script).
Subject: ``/console/signin`` and ``/m/signin`` — the built bundles as a first visit gets them.
Measured: first contentful paint (ms, the browser's own paint timing) and the JavaScript
transferred (gzip bytes on the wire, from resource timing). Ratio = subject FCP / baseline FCP.
Targets (issue 11): JavaScript for the first route <= 500 KB and FCP <= 1.5 s.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

from warmflow_shared.testing.chromium import PHONE, launch
from warmflow_shared.testing.platform_process import running_platform

from bench._support import Comparison, Config

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
        browser.close()
    return results
