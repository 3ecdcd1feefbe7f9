"""Fault tests on the real stack: worker processes (``worker.py``) on Kafka + FerretDB, killed,
or with the broker or the store stopped under them, and the effects counted in the store.

Each test has its own topic, consumer group and FerretDB database. The servers are started
again by a finaliser whatever the test did, because other tests follow in the same CI run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from warmflow_shared.testing.servers import unavailable, unique_name, unique_service

WORKER = Path(__file__).with_name("worker.py")


@dataclass
class Stack:
    """Where one test's processes meet: the servers, a topic, a group, a database."""

    bootstrap: str
    mongodb_url: str
    workdir: Path
    topic: str = field(default_factory=lambda: unique_name("faults"))
    group: str = field(default_factory=lambda: unique_name("g"))
    database: str = field(default_factory=lambda: unique_service("faults"))

    def env(self, name: str) -> dict[str, str]:
        return {
            **os.environ,
            "FAULTS_NAME": name,
            "FAULTS_STATUS": str(self.workdir / f"{name}.json"),
            "FAULTS_BOOTSTRAP": self.bootstrap,
            "FAULTS_MONGODB_URL": self.mongodb_url,
            "FAULTS_DATABASE": self.database,
            "FAULTS_TOPIC": self.topic,
            "FAULTS_GROUP": self.group,
        }


class Worker:
    """One ``worker.py`` OS process: started, ``kill -9``ed or stopped with SIGTERM."""

    def __init__(self, stack: Stack, mode: str, name: str) -> None:
        self.name, self.mode = name, mode
        self.status_path = stack.workdir / f"{name}.json"
        self.log_path = stack.workdir / f"{name}.log"
        with self.log_path.open("ab") as log:
            command = [sys.executable, str(WORKER), mode]
            self.process = subprocess.Popen(command, env=stack.env(name), stdout=log, stderr=log)

    def status(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.status_path.read_text()))
        except (FileNotFoundError, ValueError):
            return {"assigned": [], "seen": 0, "applied": 0}

    @property
    def applied(self) -> int:
        return int(self.status()["applied"])

    @property
    def assigned(self) -> set[str]:
        return set(self.status()["assigned"])

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """``kill -9``: nothing is flushed, committed or released."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class Workers:
    def __init__(self, stack: Stack) -> None:
        self.stack, self._count = stack, 0
        self.all: list[Worker] = []

    def start(self, mode: str) -> Worker:
        self._count += 1
        worker = Worker(self.stack, mode, f"{mode}{self._count}")
        self.all.append(worker)
        return worker

    def stop_all(self) -> None:
        for worker in self.all:
            worker.stop()


@pytest.fixture
def stack(kafka_bootstrap: str, mongodb_url: str, tmp_path: Path) -> Stack:
    return Stack(kafka_bootstrap, mongodb_url, tmp_path)


@pytest.fixture
def workers(stack: Stack) -> Iterator[Workers]:
    made = Workers(stack)
    try:
        yield made
    finally:
        made.stop_all()
        for worker in made.all:
            print(
                f"\n--- {worker.name} (exit {worker.process.returncode}) ---\n{worker.log_tail()}"
            )


@dataclass
class Control:
    """A server's control script (``deploy/local/kafka.sh`` or ``ferretdb.sh``)."""

    script: str

    def __call__(self, action: str) -> None:
        subprocess.run([self.script, action], check=True, timeout=600, capture_output=True)


def _control(variable: str, what: str) -> Control:
    script = os.environ.get(variable, "")
    if not script or not os.path.exists(script):
        unavailable(f"{what} control script", f"{variable} is unset")
    return Control(script)


def _started_again(variable: str, what: str) -> Iterator[Control]:
    control = _control(variable, what)
    try:
        yield control
    finally:
        control("start")  # a no-op when it runs; the next tests need the server


@pytest.fixture
def kafka_server(kafka_bootstrap: str) -> Iterator[Control]:
    yield from _started_again("WARMFLOW_KAFKA_CONTROL", "Kafka")


@pytest.fixture
def ferretdb_server(mongodb_url: str) -> Iterator[Control]:
    yield from _started_again("WARMFLOW_FERRETDB_CONTROL", "FerretDB")
