"""The production shape: docker-compose.yml, the nginx gateway and the one Dockerfile.

``docker compose config`` needs only the compose CLI plugin (no engine); without it that test
skips with the reason, or fails under ``WARMFLOW_REQUIRE_SERVERS=1``. The rest reads the files.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from warmflow_shared.testing.servers import servers_required

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
NGINX_CONF = ROOT / "deploy" / "nginx" / "nginx.conf"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
# every service package runs in its own container; the gateway package is the embedded runner
# (nginx is production's gateway) and the `warmflow` command of the topics job
SERVICES = sorted(
    p.parent.name
    for p in (ROOT / "services").glob("*/pyproject.toml")
    if p.parent.name != "gateway"
)
FONTED = {"transfers", "learning"}  # they print PDFs (letters, certificates)
BROKERS = ["kafka-1", "kafka-2", "kafka-3"]
BOOTSTRAP = ",".join(f"{b}:9092" for b in BROKERS)


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _compose_cli() -> list[str]:
    """The compose CLI, or skip (fail when servers are required) with the reason."""
    reason = ""
    if docker := shutil.which("docker"):
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=60
        )
        if probe.returncode == 0:
            return [docker, "compose"]
        reason = f"`docker compose version` failed: {(probe.stderr or probe.stdout).strip()}"
    else:
        reason = "no docker CLI on PATH"
    message = f"docker compose CLI plugin unavailable ({reason}); see deploy/local/compose.sh"
    if servers_required():
        pytest.fail(message + " (WARMFLOW_REQUIRE_SERVERS=1 demands it)", pytrace=False)
    pytest.skip(message)


# --- (a) docker compose itself accepts the file ---------------------------------------------


def test_docker_compose_config_accepts_the_file() -> None:
    cli = _compose_cli()
    base = [*cli, "--project-directory", str(ROOT), "-f", str(COMPOSE_FILE), "config"]
    quiet = subprocess.run([*base, "--quiet"], capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0, quiet.stderr
    rendered = subprocess.run(
        [*base, "--format", "json"], capture_output=True, text=True, timeout=120
    )
    assert rendered.returncode == 0, rendered.stderr
    services = json.loads(rendered.stdout)["services"]
    assert {*SERVICES, *BROKERS, "topics", "mongo", "gateway"} <= set(services)
    for name in SERVICES:
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert services[name]["build"]["args"]["SERVICE"] == name
        assert Path(services[name]["build"]["context"]).resolve() == ROOT


# --- (b) the stack ----------------------------------------------------------------------------


def test_every_service_is_deployed_from_the_one_dockerfile() -> None:
    assert SERVICES, "no services/*/pyproject.toml found"
    services = _compose()["services"]
    for name in SERVICES:
        assert name in services, f"{name} is a service package but has no container"
        build = services[name]["build"]
        assert build["context"] == "."
        assert build["dockerfile"] == "deploy/Dockerfile"
        font = {"PDF_FONT": "true"} if name in FONTED else {}
        assert build["args"] == {"SERVICE": name, **font}
    recipes = [*ROOT.glob("services/**/Dockerfile"), *ROOT.glob("deploy/**/Dockerfile")]
    assert recipes == [DOCKERFILE], "one image recipe for all"


@pytest.mark.parametrize("name", SERVICES)
def test_service_container_runs_the_production_backends(name: str) -> None:
    services = _compose()["services"]
    service = services[name]
    env = _env(service)
    assert env["WARMFLOW_ENVIRONMENT"] == "production"
    assert env["WARMFLOW_STORAGE_BACKEND"] == "mongodb"
    assert env["WARMFLOW_BUS_BACKEND"] == "kafka"
    assert env["WARMFLOW_LOG_JSON"] == "true"
    # One URL is enough: each service opens its own database warmflow_<name> on it.
    url = env["WARMFLOW_MONGODB_URL"]
    assert url.startswith("mongodb://mongo:27017/")
    assert "replicaSet=rs0" in url
    assert env["WARMFLOW_KAFKA_BOOTSTRAP_SERVERS"] == BOOTSTRAP
    assert (
        env["WARMFLOW_KAFKA_REPLICATION_FACTOR"],
        env["WARMFLOW_KAFKA_MIN_INSYNC_REPLICAS"],
    ) == (
        "3",
        "2",
    )
    # The JWT public key comes from a compose secret; the PII key from the uncommitted env file.
    assert env["WARMFLOW_JWT_PUBLIC_KEY_PATH"] == "/run/secrets/jwt_public_key"
    assert "jwt_public_key" in service["secrets"]
    assert "WARMFLOW_PII_KEY" not in env, "the PII key must not be written in the compose file"
    env_files = [e["path"] if isinstance(e, dict) else e for e in service["env_file"]]
    assert "deploy/secrets/warmflow.env" in env_files
    # Kafka through the topics job: a service starts only once every topic exists.
    assert service["depends_on"] == {
        "topics": {"condition": "service_completed_successfully"},
        "mongo": {"condition": "service_healthy"},
    }


def test_every_service_scales_out_by_a_replica_count_alone() -> None:
    services = _compose()["services"]
    for name in SERVICES:
        service = services[name]
        assert service["deploy"]["replicas"] == "${WARMFLOW_REPLICAS:-1}", name
        # a container name or a host port would pin the service to one container
        assert "container_name" not in service, name
        assert "ports" not in service, name
        assert service["expose"] == ["8000"], name
    for name, service in services.items():
        assert "container_name" not in service, name
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text("utf-8"))
    (job,) = prometheus["scrape_configs"]
    assert "static_configs" not in job, "a static target scrapes one replica only"
    (discovery,) = job["dns_sd_configs"]
    assert (sorted(discovery["names"]), discovery["type"], discovery["port"]) == (
        SERVICES,
        "A",
        8000,
    )


def test_secrets_come_from_uncommitted_files() -> None:
    secrets = _compose()["secrets"]
    assert secrets["jwt_public_key"]["file"] == "deploy/secrets/jwt_public.pem"
    ignore = (ROOT / "deploy" / "secrets" / ".gitignore").read_text(encoding="utf-8").split()
    assert "*" in ignore
    assert "deploy/secrets" in (ROOT / ".dockerignore").read_text(encoding="utf-8").split()


def test_kafka_is_three_kraft_brokers_with_replication_3_and_min_isr_2() -> None:
    services = _compose()["services"]
    assert not any("zookeeper" in name.lower() for name in services)
    assert sorted(n for n in services if n.startswith("kafka")) == BROKERS
    voters = {f"{n + 1}@{b}:9093" for n, b in enumerate(BROKERS)}
    for number, name in enumerate(BROKERS, start=1):
        kafka = services[name]
        assert kafka["image"] == "apache/kafka:4.1.0"
        env = _env(kafka)
        assert not any("ZOOKEEPER" in key for key in env)
        assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
        assert env["KAFKA_NODE_ID"] == str(number)
        assert set(env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == voters
        assert f"PLAINTEXT://{name}:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "2"
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert "healthcheck" in kafka
        assert kafka["volumes"] == [f"{name}-data:/var/lib/kafka/data"]
    assert len({_env(services[b])["CLUSTER_ID"] for b in BROKERS}) == 1


def test_a_one_shot_topics_job_runs_before_the_services() -> None:
    services = _compose()["services"]
    job = services["topics"]
    assert job["command"] == ["warmflow", "topics"]
    assert job["restart"] == "no"
    assert job["build"] == {
        "context": ".",
        "dockerfile": "deploy/Dockerfile",
        "args": {"SERVICE": "gateway"},
    }
    assert job["healthcheck"] == {"disable": True}
    assert job["depends_on"] == {b: {"condition": "service_healthy"} for b in BROKERS}
    env = _env(job)
    assert env["WARMFLOW_KAFKA_BOOTSTRAP_SERVERS"] == BOOTSTRAP
    shape = ("WARMFLOW_KAFKA_PARTITIONS", "WARMFLOW_KAFKA_REPLICATION_FACTOR")
    shape += ("WARMFLOW_KAFKA_MIN_INSYNC_REPLICAS",)
    assert [env[k] for k in shape] == ["3", "3", "2"]
    for name in SERVICES:  # the apps read the same shape the job applied
        assert [_env(services[name])[k] for k in shape] == ["3", "3", "2"]


def test_mongo_is_a_single_node_replica_set() -> None:
    mongo = _compose()["services"]["mongo"]
    assert mongo["image"] == "mongo:7"
    command = mongo["command"]
    assert command[command.index("--replSet") + 1] == "rs0"
    probe = " ".join(mongo["healthcheck"]["test"])
    assert "rs.initiate(" in probe and "rs.status()" in probe and "mongo:27017" in probe


def test_gateway_publishes_8000_and_waits_for_the_services() -> None:
    gateway = _compose()["services"]["gateway"]
    assert gateway["image"].startswith("nginx:1.27")
    assert "8000:8000" in [str(p) for p in gateway["ports"]]
    assert "./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in gateway["volumes"]
    assert set(gateway["depends_on"]) == set(SERVICES)


# --- (c) the gateway's routes -----------------------------------------------------------------


def _nginx_text() -> str:
    return re.sub(r"#[^\n]*", "", NGINX_CONF.read_text(encoding="utf-8"))


def _blocks(text: str, keyword: str) -> dict[str, str]:
    """``keyword ARG { body }`` blocks (bodies without nested braces) by argument."""
    pattern = re.compile(rf"\b{keyword}\s+(\S+)\s*\{{([^{{}}]*)\}}")
    return {m.group(1): m.group(2) for m in pattern.finditer(text)}


@pytest.mark.parametrize("name", SERVICES)
def test_nginx_routes_the_service_prefix_to_its_upstream(name: str) -> None:
    text = _nginx_text()
    upstreams = _blocks(text, "upstream")
    assert re.search(rf"\bserver\s+{name}:8000\b", upstreams[name])
    location = _blocks(text, "location")[f"/api/{name}/"]
    # A URI part ("/") on proxy_pass replaces the matched /api/<name>/ prefix.
    assert re.findall(r"\bproxy_pass\s+([^;]+);", location) == [f"http://{name}/"]


def test_nginx_balances_over_every_replica_and_follows_them() -> None:
    text = _nginx_text()
    # Docker's DNS answers a service name with every replica; `resolve` re-reads it at run time
    assert re.search(r"\bresolver\s+127\.0\.0\.11\b[^;]*\bvalid=\d+s", text)
    for name, body in _blocks(text, "upstream").items():
        assert re.search(rf"\bserver\s+{name}:8000\s+resolve\s*;", body), name
        assert re.search(r"\bzone\s+\S+\s+\d+k\s*;", body), name
    gateway = _compose()["services"]["gateway"]
    version = re.fullmatch(r"nginx:(\d+)\.(\d+)\.(\d+)-alpine", gateway["image"])
    assert version, "pin the gateway image: `resolve` needs nginx >= 1.27.3"
    assert tuple(map(int, version.groups())) >= (1, 27, 3)


def test_nginx_gateway_basics() -> None:
    text = _nginx_text()
    assert re.search(r"\blisten\s+8000\s*;", text)
    assert re.search(r"location\s+=\s*/healthz\s*\{[^}]*\breturn\s+200\b", text)
    assert re.search(r"\bclient_max_body_size\s+20m\s*;", text)
    for header in ("X-Correlation-ID", "X-Request-ID"):
        assert re.search(rf"\bproxy_set_header\s+{header}\s+\$", text), header
    for directive in ("proxy_connect_timeout", "proxy_send_timeout", "proxy_read_timeout"):
        assert re.search(rf"\b{directive}\s+\d+s\s*;", text), directive
    # A proxy_set_header inside a location would silently drop the http-level headers.
    for body in _blocks(text, "location").values():
        assert "proxy_set_header" not in body


# --- (d) the images -------------------------------------------------------------------------


def _final_stage() -> list[str]:
    lines = DOCKERFILE.read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", lines)
    instructions = [ln.strip() for ln in joined.splitlines() if ln.strip()]
    instructions = [ln for ln in instructions if not ln.startswith("#")]
    starts = [i for i, ln in enumerate(instructions) if ln.upper().startswith("FROM ")]
    assert len(starts) >= 2, "expected a multi-stage build"
    return instructions[starts[-1] :]


def test_dockerfile_final_stage_is_non_root_with_a_healthcheck() -> None:
    stage = _final_stage()
    assert stage[0] == "FROM python:3.11-slim"
    users = [ln.split(None, 1)[1] for ln in stage if ln.upper().startswith("USER ")]
    assert users, "the final stage sets no USER"
    assert users[-1].split(":")[0] not in ("root", "0")
    healthchecks = [ln for ln in stage if ln.upper().startswith("HEALTHCHECK ")]
    assert len(healthchecks) == 1
    assert "urllib.request" in healthchecks[0] and "/healthz" in healthchecks[0]
    assert "EXPOSE 8000" in stage
    # the service's own command, exec'd so it is PID 1 and gets the stop signal
    assert "WARMFLOW_PROCESS=warmflow-${SERVICE}" in " ".join(stage)
    assert stage[-1] == 'CMD ["sh", "-c", "exec \\"$WARMFLOW_PROCESS\\""]'


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_the_command_the_image_runs(name: str) -> None:
    manifest = (ROOT / "services" / name / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(rf"^warmflow-{name} = ", manifest, re.M), f"no warmflow-{name} script"


def test_dockerfile_builds_from_the_lock() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "pip install --no-cache-dir uv==0.13.8" in text
    assert "UV_PYTHON_DOWNLOADS=never" in text
    assert text.count('uv sync --frozen --no-dev --package "warmflow-$SERVICE"') == 2
    assert "COPY pyproject.toml uv.lock ./" in text
    # every workspace member's manifest is copied for the dependency layer
    for manifest in sorted(ROOT.glob("services/*/pyproject.toml")):
        rel = manifest.relative_to(ROOT)
        assert f"COPY {rel} {rel}" in text


def test_the_pdf_font_is_installed_only_when_asked() -> None:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    assert "ARG PDF_FONT=false" in text
    # WenQuanYi Micro Hei, and HanaMin for the rare name characters it lacks
    fonts = "fonts-wqy-microhei fonts-hanazono"
    assert re.search(r'if \[ "\$PDF_FONT" = true \]; then .*' + fonts, text)


def test_the_secrets_doc_names_every_secret_a_service_reads() -> None:
    from pydantic import SecretStr
    from warmflow_learning.config import LearningSettings
    from warmflow_notify.config import NotifySettings
    from warmflow_registry.config import RegistrySettings
    from warmflow_transfers.config import TransfersSettings

    doc = (ROOT / "deploy" / "secrets" / "README.md").read_text(encoding="utf-8")
    secret_fields = {
        f"WARMFLOW_{name.upper()}"
        for settings in (RegistrySettings, TransfersSettings, LearningSettings, NotifySettings)
        for name, field in settings.model_fields.items()
        if SecretStr in (field.annotation, *getattr(field.annotation, "__args__", ()))
    }
    assert {"WARMFLOW_PII_KEY", "WARMFLOW_CHECKIN_KEY", "WARMFLOW_LEARNING_KEY"} <= secret_fields
    assert sorted(name for name in secret_fields if name not in doc) == []
