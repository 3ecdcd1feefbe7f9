"""pytest plugin: which tests may run at the same time under pytest-xdist (``make test``).

``make test`` runs the suite in two passes: ``pytest -n 2 --dist loadgroup -m "not alone"``, then
the tests marked ``alone`` by themselves: those that stop or restart the shared Kafka or FerretDB
(no other test may run then), and the schemathesis suite (under xdist it reports one result per
service, not one per operation). In the parallel pass every test belongs to one group, and a group's
tests run one after another in one worker:

- ``shared-servers``: the suites that put the platform's services on the real servers share their
  default databases (``warmflow_registry`` …) and consumer groups (``registry.members`` …) by
  design, and compare county-wide figures before and after (services/registry/tests/conftest.py).
  Two of them at once would count each other's members and take each other's events. The
  contract suites of ``shared/tests`` and the fault tests of ``tests/faults`` name their own
  topics, groups and databases, and are not in it.
- otherwise its module: module-scoped fixtures (a seeded ``warmflow run``, a browser, a platform
  per backend) are set up once, not once per worker.

pytest-xdist's own ``loadgroup`` reads ``xdist_group`` marks through node ids it rewrites, which
pytest 9.2 no longer lets it do (pytest-xdist issue 1386). Here each worker writes the groups of
what it collected to a folder the controller names, and the controller's scheduler reads them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

SHARED_SERVERS = "shared-servers"
SERVER_FIXTURES = frozenset({"kafka_bootstrap", "mongodb_url"})
# these suites isolate themselves on the servers (unique topic, group and database per test)
OWN_NAMES = ("shared/tests/", "tests/faults/")
FOLDER_KEY = "warmflow_test_groups"
_folder = pytest.StashKey[Path]()


def group_of(item: pytest.Item) -> str:
    """The group ``item`` runs in (an explicit ``xdist_group`` mark wins)."""
    if mark := item.get_closest_marker("xdist_group"):
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
    if _on_shared_servers(item):
        return SHARED_SERVERS
    return item.nodeid.split("::")[0]


def _on_shared_servers(item: pytest.Item) -> bool:
    if item.nodeid.startswith(OWN_NAMES):
        return False
    if item.get_closest_marker("kafka") or item.get_closest_marker("mongo"):
        return True
    return bool(SERVER_FIXTURES & set(getattr(item, "fixturenames", ())))


# controller: a folder for the workers' groups, named in each worker's input


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    config: pytest.Config = node.config
    if _folder not in config.stash:
        config.stash[_folder] = Path(tempfile.mkdtemp(prefix="warmflow-test-groups-"))
    node.workerinput[FOLDER_KEY] = str(config.stash[_folder])


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist", "no") != "loadgroup" or _folder not in config.stash:
        return None
    from xdist.scheduler import LoadGroupScheduling

    folder = config.stash[_folder]

    class WarmflowGroups(LoadGroupScheduling):  # type: ignore[misc]
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:  # first called once every worker has collected
                self.groups = _read_groups(folder)
            return self.groups.get(nodeid) or str(super()._split_scope(nodeid))

    return WarmflowGroups(config, log)


def _read_groups(folder: Path) -> dict[str, str]:
    groups: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        groups.update(json.loads(path.read_text(encoding="utf-8")))
    return groups


def pytest_unconfigure(config: pytest.Config) -> None:
    if _folder in config.stash:
        shutil.rmtree(config.stash[_folder], ignore_errors=True)


# worker: the groups of what it collected, written before it reports its collection


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    workerinput: dict[str, Any] | None = getattr(session.config, "workerinput", None)
    if not workerinput or FOLDER_KEY not in workerinput:
        return
    groups = {item.nodeid: group_of(item) for item in session.items}
    path = Path(workerinput[FOLDER_KEY]) / f"{workerinput['workerid']}.json"
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(groups), encoding="utf-8")
    os.replace(partial, path)
