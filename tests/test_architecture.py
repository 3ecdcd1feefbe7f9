"""Guards of the layout every service shares (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["registry", "transfers", "learning", "notify", "support"]
# The domain is pure: no web, storage, bus, clock or logging I/O.
FORBIDDEN_IN_DOMAIN = (
    "fastapi",
    "starlette",
    "pymongo",
    "aiokafka",
    "aiosqlite",
    "sqlite3",
    "httpx",
    "structlog",
    "asyncio",
    "warmflow_shared.storage",
    "warmflow_shared.bus",
    "warmflow_shared.outbox",
    "warmflow_shared.web",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_rooms(service: str) -> None:
    package = ROOT / "services" / service / "src" / f"warmflow_{service}"
    for room in ("domain", "service_layer", "adapters", "entrypoints"):
        assert (package / room / "__init__.py").exists(), f"{service} lacks {room}/"
    assert (package / "bootstrap.py").exists()
    assert (package / "config.py").exists()
    assert (ROOT / "services" / service / "Dockerfile").exists()


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_imports_no_io(service: str) -> None:
    domain = ROOT / "services" / service / "src" / f"warmflow_{service}" / "domain"
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in domain.rglob("*.py")
        for name in _imports(path)
        if name.startswith(FORBIDDEN_IN_DOMAIN)
    ]
    assert not offences


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_reads_another_services_code(service: str) -> None:
    others = tuple(f"warmflow_{other}" for other in SERVICES if other != service)
    package = ROOT / "services" / service / "src"
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in package.rglob("*.py")
        for name in _imports(path)
        if name.startswith(others)
    ]
    assert not offences, "services talk only through events in warmflow_shared contracts"
