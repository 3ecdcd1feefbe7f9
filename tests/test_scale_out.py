"""Two instances of a service share the load: two real registry processes (``warmflow-registry``,
the container's command) on one FerretDB database and one Kafka, behind a real nginx running the
production gateway config (deploy/nginx/nginx.conf with the service's two replicas as its two
upstream addresses, as Docker's DNS gives them in docker-compose.yml).

Both instances answer a share of the requests sent through the gateway (the counties on the
platform, read from the store with a token checked; nginx's own access log names the instance of
each), and both join the registry's consumer groups with partitions of
their own, so events are handled by both.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.auth.keys import ensure_key_pair
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.nginx import local_config, nginx_binary, running_nginx
from warmflow_shared.testing.platform_process import free_port, wait_ready
from warmflow_shared.testing.servers import unavailable

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]
REQUESTS = 40
GROUPS = ("registry.members", "registry.stats")
RUN = "from warmflow_registry.entrypoints.main import main; main()"


@pytest.fixture
def two_registries(
    tmp_path: Path, kafka_bootstrap: str, mongodb_url: str
) -> Iterator[tuple[list[int], WarmflowSettings]]:
    settings = WarmflowSettings(data_dir=tmp_path)
    ensure_key_pair(settings.keys_dir)  # both instances verify the same tokens
    ports = [free_port(), free_port()]
    processes = []
    try:
        for n, port in enumerate(ports):
            env = {
                **os.environ,
                "WARMFLOW_DATA_DIR": str(tmp_path),
                "WARMFLOW_STORAGE_BACKEND": "mongodb",
                "WARMFLOW_MONGODB_URL": mongodb_url,
                "WARMFLOW_BUS_BACKEND": "kafka",
                "WARMFLOW_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "WARMFLOW_HTTP_HOST": "127.0.0.1",
                "WARMFLOW_HTTP_PORT": str(port),
                "WARMFLOW_ROOT_PATH": "/api/registry",
                "WARMFLOW_LOG_LEVEL": "WARNING",
            }
            with (tmp_path / f"registry-{n}.log").open("wb") as log:
                command = [sys.executable, "-c", RUN]
                processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))
        for port, process in zip(ports, processes, strict=True):
            wait_ready(f"http://127.0.0.1:{port}/readyz", process, 300, what="warmflow-registry")
        yield ports, settings
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)


async def _assignments(bootstrap: str, group: str) -> list[list[tuple[str, int]]]:
    """Each member of ``group``: the partitions Kafka assigned it (empty while rebalancing)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="test-scale-out")
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    (described,) = response.groups
    members = described[5]
    found = []
    for member in members:
        raw = member[4]
        assignment = ConsumerProtocolMemberAssignment.decode(raw) if raw else None
        partitions = assignment.partitions() if assignment else []
        found.append(sorted((tp.topic, tp.partition) for tp in partitions))
    return found


async def _both_assigned(bootstrap: str, group: str) -> list[list[tuple[str, int]]]:
    """Bounded wait (the second member's join rebalances the group) for two assigned members."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 90
    while True:
        members = await _assignments(bootstrap, group)
        if (len(members) == 2 and all(members)) or loop.time() > deadline:
            return members
        await asyncio.sleep(0.5)  # polling the group's state until the rebalance settles


@pytest.mark.timeout(600)  # two service processes start, join two consumer groups, rebalance
async def test_two_registry_instances_share_requests_and_partitions(
    two_registries: tuple[list[int], WarmflowSettings], tmp_path: Path, kafka_bootstrap: str
) -> None:
    if nginx_binary() is None:
        unavailable("nginx", "no nginx binary on PATH (Debian: apt-get install nginx-light)")
    ports, settings = two_registries
    gateway, prefix = free_port(), tmp_path / "nginx"
    prefix.mkdir()
    access = prefix / "access.log"
    config = local_config(ports, gateway, prefix, access_log=f"{access} warmflow")
    token = mint_token("county_admin", "yuexi", settings=settings)
    headers = {"Authorization": f"Bearer {token}"}
    with running_nginx(config, prefix, gateway):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gateway}") as client:
            statuses: Counter[int] = Counter()
            for _ in range(REQUESTS):
                response = await client.get("/api/registry/counties", headers=headers, timeout=60)
                statuses[response.status_code] += 1
    served = Counter(
        json.loads(line)["upstream_addr"]
        for line in access.read_text(encoding="utf-8").splitlines()
        if '"/api/registry/counties"' in line
    )

    assert statuses == {200: REQUESTS}
    assert set(served) == {f"127.0.0.1:{port}" for port in ports}
    assert min(served.values()) >= REQUESTS // 4, served
    for group in GROUPS:
        members = await _both_assigned(kafka_bootstrap, group)
        assert len(members) == 2, f"{group}: {members}"
        assert all(members), f"{group}: a member without partitions: {members}"
        assert not set(members[0]) & set(members[1])
