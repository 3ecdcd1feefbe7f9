"""The ops and programme dashboards and the alert rules, checked against a real Prometheus.

A `warmflow run` process gets some traffic (a member registered, gone out and checked in), and
Debian's Prometheus scrapes it with the committed config; every panel query of every dashboard
must then return data. The rules pass `promtool check` and their unit tests. Without the
binaries these tests skip, and fail under ``WARMFLOW_REQUIRE_SERVERS=1`` (as in .ci/run).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from warmflow_registry.entrypoints import demo_data
from warmflow_shared.auth.cli import mint_for
from warmflow_shared.auth.demo import DEMO_USERS
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.platform_process import running_platform
from warmflow_shared.testing.prometheus import (
    PROMETHEUS,
    PROMTOOL,
    binary,
    query,
    running_prometheus,
    scrape_config,
)
from warmflow_shared.testing.servers import unavailable

from .grafana_dashboard import Dashboard

ROOT = Path(__file__).resolve().parents[1]
GRAFANA = ROOT / "deploy" / "grafana"
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
RULES = sorted((PROMETHEUS_DIR / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.test.yml"))
SITE = "yuhang-ai-town-home"


def _need(name: str) -> str:
    path = binary(name)
    if path is None:
        unavailable(name, "not found (Debian's package prometheus)")
    assert path is not None
    return path


def _dashboard(path: Path) -> Dashboard:
    return Dashboard.model_validate(json.loads(path.read_text(encoding="utf-8")))


def _datasource_uid() -> str:
    provisioned = GRAFANA / "provisioning" / "datasources" / "prometheus.yml"
    (source,) = yaml.safe_load(provisioned.read_text(encoding="utf-8"))["datasources"]
    return str(source["uid"])


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_follows_grafanas_model_and_uses_the_provisioned_prometheus(path: Path) -> None:
    dashboard = _dashboard(path)
    assert dashboard.uid == path.stem
    uids = {p.datasource.uid for p in dashboard.panels if p.datasource}
    uids |= {t.datasource.uid for p in dashboard.panels for t in p.targets}
    assert uids == {_datasource_uid()}
    assert all(p.description for p in dashboard.panels if p.type != "row")


def test_compose_provisions_the_dashboards_rules_and_datasource() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    grafana_mounts = [str(v).split(":")[0] for v in services["grafana"]["volumes"]]
    assert {"./deploy/grafana/provisioning", "./deploy/grafana/dashboards"} <= set(grafana_mounts)
    prometheus_mounts = [str(v) for v in services["prometheus"]["volumes"]]
    assert "./deploy/prometheus/rules:/etc/prometheus/rules:ro" in prometheus_mounts
    provider = yaml.safe_load((GRAFANA / "provisioning/dashboards/warmflow.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    assert any(str(v).endswith(f":{path}:ro") for v in services["grafana"]["volumes"])


def test_every_alert_has_a_runbook_entry() -> None:
    runbook = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for rules in RULES:
        for group in yaml.safe_load(rules.read_text(encoding="utf-8"))["groups"]:
            for rule in group["rules"]:
                anchor = rule["alert"].lower()
                assert rule["annotations"]["runbook"] == f"docs/operations.md#{anchor}"
                assert f"### {rule['alert']}" in runbook, f"{rule['alert']} has no runbook"


def test_promtool_checks_the_config_and_the_rules_and_runs_their_unit_tests() -> None:
    promtool = _need(PROMTOOL)
    checks = [
        [promtool, "check", "config", str(PROMETHEUS_DIR / "prometheus.yml")],
        [promtool, "check", "rules", *map(str, RULES)],
        [promtool, "test", "rules", *map(str, RULE_TESTS)],
    ]
    for command in checks:
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, done.stdout + done.stderr


# --- against a real Prometheus -------------------------------------------------------------


def _headers(user: str, data_dir: Path) -> dict[str, str]:
    token = mint_for(DEMO_USERS[user], settings=WarmflowSettings(data_dir=data_dir))
    return {"Authorization": f"Bearer {token}", "X-Purpose": "management"}


def _traffic(url: str, data_dir: Path) -> None:
    """A member from Yuexi registered, gone out to a Yuhang site and checked in there."""
    home, staff = _headers("yuexi-admin", data_dir), _headers("yuhang-site-staff", data_dir)
    person = demo_data.members(1, date.today(), seed=time.time_ns())[0]
    with httpx.Client(base_url=f"{url}/api", timeout=30) as client:
        body = {"id_number": person.id_number, "home_org_id": "yuexi-demo-branch"}
        made = client.post(
            "/registry/members", json=body | {"profile": person.profile}, headers=home
        )
        assert made.status_code == 201, made.text
        member = made.json()["id"]
        going = {"reason_code": "work", "destination": "浙江省杭州市余杭区", "expected_months": 12}
        gone = client.post(
            f"/registry/members/{member}/outflow", json=going | {"site_id": SITE}, headers=home
        )
        assert gone.status_code == 200, gone.text
        card = client.get(f"/registry/members/{member}", headers=home).json()["card"]["number"]
        checked = client.post(
            f"/registry/sites/{SITE}/checkins", json={"card_number": card}, headers=staff
        )
        assert checked.status_code == 200, checked.text
        for service in ("registry", "transfers", "learning", "notify"):
            assert client.get(f"/{service}/readyz").status_code == 200


@pytest.fixture(scope="module")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _need(PROMETHEUS)
    data = tmp_path_factory.mktemp("dashboards-platform")
    with running_platform(data, members=5) as url:
        _traffic(url, data)
        target = url.removeprefix("http://")
        config = scrape_config(PROMETHEUS_DIR / "prometheus.yml", target, PROMETHEUS_DIR / "rules")
        with running_prometheus(config, tmp_path_factory.mktemp("prometheus")) as prometheus:
            yield prometheus


def _until_every_query_answers(
    url: str, queries: list[tuple[str, str]], timeout: float
) -> dict[str, Any]:
    """Poll until each query returns at least one series; return what is still empty at the end."""
    deadline, empty = time.monotonic() + timeout, dict(queries)
    while empty and time.monotonic() < deadline:
        empty = {title: expr for title, expr in empty.items() if not query(url, expr)}
        if empty:
            time.sleep(0.5)  # scrapes are every second; polling, not waiting out a race
    return empty


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_every_panel_query_returns_data(prometheus_url: str, path: Path) -> None:
    empty = _until_every_query_answers(prometheus_url, _dashboard(path).queries(), timeout=90)
    assert not empty, f"panels without data: {empty}"


def test_the_rules_load_and_the_traffic_is_what_the_panels_show(prometheus_url: str) -> None:
    groups = httpx.get(f"{prometheus_url}/api/v1/rules", timeout=10).json()["data"]["groups"]
    loaded = {rule["name"] for group in groups for rule in group["rules"]}
    in_files = {
        rule["alert"]
        for rules in RULES
        for group in yaml.safe_load(rules.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
    }
    assert loaded == in_files
    checkins = query(prometheus_url, 'warmflow_checkins_total{county="yuhang"}')
    assert checkins and float(checkins[0]["value"][1]) >= 1
    assert checkins[0]["metric"]["service"] == "registry"
