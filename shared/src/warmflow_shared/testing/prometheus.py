"""Debian's Prometheus (package ``prometheus``) scraping a running platform, for the dashboard
tests: the committed config (deploy/prometheus/prometheus.yml) with only the target, the
intervals and the rule path swapped, so its relabelling and rules are what gets tested."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from warmflow_shared.testing.platform_process import free_port, wait_ready

PROMETHEUS, PROMTOOL = "prometheus", "promtool"


def binary(name: str) -> str | None:
    return shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)


def scrape_config(
    committed: Path, target: str, rules: Path, interval: str = "1s"
) -> dict[str, Any]:
    """The committed config, scraping ``target`` every ``interval`` with the rules at ``rules``."""
    config = yaml.safe_load(committed.read_text(encoding="utf-8"))
    config["global"] = {"scrape_interval": interval, "evaluation_interval": interval}
    config["rule_files"] = [str(rules / "*.yml")]
    (job,) = config["scrape_configs"]
    job.pop("dns_sd_configs", None)  # the compose network's replicas: here one local target
    job["static_configs"] = [{"targets": [target]}]
    return dict(config)


@contextmanager
def running_prometheus(
    config: dict[str, Any], work: Path, *, timeout: float = 60.0
) -> Iterator[str]:
    """Start Prometheus on a free loopback port with ``config``; yield its URL; stop it."""
    work.mkdir(parents=True, exist_ok=True)
    config_file = work / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    command = [
        binary(PROMETHEUS) or PROMETHEUS,
        f"--config.file={config_file}",
        f"--storage.tsdb.path={work / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    with (work / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(f"{url}/-/ready", process, timeout, what="prometheus")
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def query(url: str, expr: str) -> list[dict[str, Any]]:
    """The instant vector ``expr`` evaluates to now (raises on a query error)."""
    response = httpx.get(f"{url}/api/v1/query", params={"query": expr}, timeout=10)
    body = response.json()
    if body.get("status") != "success":
        raise ValueError(f"{expr}: {body.get('errorType')}: {body.get('error')}")
    return list(body["data"]["result"])
