"""Each service starts with exactly the documented production environment (issue 17 #7).

The environment is read from the documents, not written again here: each service's
``environment`` in ``docker-compose.yml``, the ``ENV`` of deploy/Dockerfile and the secrets that
``deploy/secrets/README.md`` puts into ``warmflow.env``. Only what cannot be the same outside
the containers is changed: the server addresses (our Kafka broker and MongoDB-wire server), the
paths (the data dir, the JWT public key the compose secret mounts), the port (one host, five
services) and the replication the compose file asks of three brokers (one local broker). Then
``warmflow topics`` (the deploy step) runs with the compose ``topics`` job's environment, every
service starts as its own process (the image's command), and each must answer ``/readyz``
200. A production start creates no demo presets: no organisations, no agreements.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pymongo import MongoClient
from warmflow_shared.storage.factory import database_name

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("registry", "transfers", "learning", "notify", "support")
BIN = Path(sys.executable).parent
READY_WITHIN = 240.0  # seconds, all five importing at once on a loaded 2-core machine


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _environment(compose: dict[str, Any], name: str) -> dict[str, str]:
    env = compose["services"][name].get("environment") or {}
    return {str(k): str(v) for k, v in env.items()}


def _dockerfile(compose: dict[str, Any], service: str) -> tuple[dict[str, str], list[str]]:
    """The final image's ``ENV`` (but PATH: here the venv's) and its ``CMD``, for the build
    arguments compose gives this service (``deploy/Dockerfile`` is every service's recipe)."""
    args = {str(k): str(v) for k, v in compose["services"][service]["build"]["args"].items()}
    text = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    text = re.split(r"^FROM\s", text.replace("\\\n", " "), flags=re.MULTILINE)[-1]
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV\s+(.+)$", text, flags=re.MULTILINE):
        for item in shlex.split(line):
            key, _, value = item.partition("=")
            if key != "PATH":
                for name, arg in args.items():
                    value = value.replace(f"${{{name}}}", arg)
                env[key] = value
    command = re.findall(r"^CMD\s+(\[.+\])$", text, flags=re.MULTILINE)[-1]
    return env, json.loads(command)


def _which(program: str, env: dict[str, str]) -> str:
    found = shutil.which(program, path=_process_env(env)["PATH"])
    assert found, f"{program} is not on the image's PATH"
    return found


def documented_secrets() -> list[str]:
    """The names deploy/secrets/README.md writes into warmflow.env (every service's env_file)."""
    text = (ROOT / "deploy" / "secrets" / "README.md").read_text(encoding="utf-8")
    match = re.search(r"for name in ([A-Z_ ]+); do", text)
    assert match, "deploy/secrets/README.md no longer shows how warmflow.env is made"
    return match.group(1).split()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _public_key(folder: Path) -> Path:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = folder / "jwt_public.pem"
    path.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def _servers(env: dict[str, str], kafka: str, mongodb: str) -> dict[str, str]:
    """The server addresses and the replication a single local broker can give."""
    env = dict(env)
    env["WARMFLOW_KAFKA_BOOTSTRAP_SERVERS"] = kafka
    env["WARMFLOW_KAFKA_REPLICATION_FACTOR"] = "1"
    env["WARMFLOW_KAFKA_MIN_INSYNC_REPLICAS"] = "1"
    if "WARMFLOW_MONGODB_URL" in env:
        env["WARMFLOW_MONGODB_URL"] = mongodb
    return env


def _process_env(documented: dict[str, str]) -> dict[str, str]:
    """Nothing of this process's environment leaks in but PATH (the venv, as the image's)."""
    return {"PATH": f"{BIN}{os.pathsep}/usr/bin:/bin", **documented}


@pytest.fixture
def clean_databases(mongodb_url: str) -> Iterator[MongoClient[Any]]:
    """Production names are fixed (warmflow_<service>): start from empty ones, leave none."""
    client: MongoClient[Any] = MongoClient(mongodb_url)
    names = [database_name(service) for service in SERVICES]
    for name in names:
        client.drop_database(name)
    try:
        yield client
    finally:
        for name in names:
            client.drop_database(name)
        client.close()


@pytest.mark.timeout(600)
def test_each_service_starts_with_the_documented_production_environment(
    kafka_bootstrap: str, mongodb_url: str, clean_databases: MongoClient[Any], tmp_path: Path
) -> None:
    compose = _compose()
    secret_values = {name: secrets.token_hex(32) for name in documented_secrets()}
    key = _public_key(tmp_path)

    topics_env = _servers(_environment(compose, "topics"), kafka_bootstrap, mongodb_url)
    done = subprocess.run(
        [str(BIN / "warmflow"), "topics"],
        env=_process_env(topics_env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    started: dict[str, tuple[subprocess.Popen[bytes], int, Path]] = {}
    try:
        for service in SERVICES:
            image_env, command = _dockerfile(compose, service)
            documented = {**image_env, **_environment(compose, service), **secret_values}
            assert documented["WARMFLOW_ENVIRONMENT"] == "production"
            assert documented["WARMFLOW_JWT_PUBLIC_KEY_PATH"] == "/run/secrets/jwt_public_key"
            port = _free_port()
            env = _servers(documented, kafka_bootstrap, mongodb_url) | {
                "WARMFLOW_DATA_DIR": str(tmp_path / service / "var"),
                "WARMFLOW_JWT_PUBLIC_KEY_PATH": str(key),
                "WARMFLOW_HTTP_HOST": "127.0.0.1",
                "WARMFLOW_HTTP_PORT": str(port),
            }
            log = tmp_path / f"{service}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [_which(command[0], env), *command[1:]],
                    env=_process_env(env),
                    cwd=tmp_path,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            started[service] = (process, port, log)

        deadline = time.monotonic() + READY_WITHIN
        waiting = set(SERVICES)
        answers: dict[str, Any] = {}
        while waiting:
            for service in sorted(waiting):
                process, port, log = started[service]
                tail = log.read_text(errors="replace")[-3000:]
                assert process.poll() is None, f"{service} exited {process.returncode}:\n{tail}"
                try:
                    ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
                except httpx.HTTPError:
                    continue
                answers[service] = ready.json()
                if ready.status_code == 200:
                    waiting.discard(service)
            if waiting:
                assert time.monotonic() < deadline, f"not ready in {READY_WITHIN:.0f} s: {answers}"
                time.sleep(0.5)  # polling starting processes, bounded
        for service in SERVICES:
            assert answers[service]["status"] == "ready", (service, answers[service])
            assert {"storage", "bus"} <= set(answers[service]["checks"]), service

        # no demo presets on a production start: no organisations, no agreements approved
        registry = clean_databases[database_name("registry")]
        assert registry["organisations"].count_documents({}) == 0
        assert registry["agreements"].count_documents({}) == 0
    finally:
        for process, _, _ in started.values():
            process.terminate()
        for process, _, _ in started.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
