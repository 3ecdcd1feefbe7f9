"""Guards of the layout every service shares (docs/architecture.md)."""

from __future__ import annotations

import ast
from collections.abc import Callable
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


def _imports(path: Path, *, names_too: bool = False) -> set[str]:
    """Every imported module; with ``names_too`` every ``from module import name`` as
    ``module.name`` instead of ``module``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if names_too:
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_rooms(service: str) -> None:
    package = ROOT / "services" / service / "src" / f"warmflow_{service}"
    for room in ("domain", "service_layer", "adapters", "entrypoints"):
        assert (package / room / "__init__.py").exists(), f"{service} lacks {room}/"
    assert (package / "bootstrap.py").exists()
    assert (package / "config.py").exists()
    main = (package / "entrypoints" / "main.py").exists()
    assert main, f"{service} has no entrypoints/main.py (the command deploy/Dockerfile runs)"


@pytest.mark.parametrize("service", SERVICES)
def test_handlers_reach_adapters_only_through_ports(service: str) -> None:
    """``domain/`` and ``service_layer/`` never import the service's adapters: bootstrap hands
    them in behind a port (e.g. registry ``service_layer/ports.py``). Metrics are the exception:
    process-wide instruments, like the log."""
    package = ROOT / "services" / service / "src" / f"warmflow_{service}"
    adapters = f"warmflow_{service}.adapters"
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for room in ("domain", "service_layer")
        for path in (package / room).rglob("*.py")
        for name in _imports(path, names_too=True)
        if name.startswith(f"{adapters}.") and not name.startswith(f"{adapters}.metrics")
    ]
    assert not offences


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_imports_no_io(service: str) -> None:
    assert not _domain_imports(service, lambda name: name.startswith(FORBIDDEN_IN_DOMAIN))


def _domain_imports(service: str, offends: Callable[[str], bool]) -> list[str]:
    """``module.name`` imports of the service's domain that offend."""
    domain = ROOT / "services" / service / "src" / f"warmflow_{service}" / "domain"
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in domain.rglob("*.py")
        for name in _imports(path, names_too=True)
        if offends(name)
    ]


# Domain events stay inside a service: its domain returns Happened, its service layer publishes
# the contract (style.md lesson 2). Shared value types and code tables may be used.
CONTRACT_MODULES = ("warmflow_shared.events.catalog", "warmflow_shared.events.contracts")
VALUE_MODULES = (
    "warmflow_shared.events.catalog.vocabulary",
    "warmflow_shared.events.catalog.common",
)


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_builds_no_integration_contract(service: str) -> None:
    def offends(name: str) -> bool:
        return name.startswith(CONTRACT_MODULES) and not name.startswith(VALUE_MODULES)

    assert not _domain_imports(service, offends)


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


def _shared_imports() -> dict[str, set[str]]:
    """Each module of ``warmflow_shared`` and the ``warmflow_shared`` modules it imports."""
    import ast

    src = ROOT / "shared" / "src"
    found: dict[str, set[str]] = {}
    for path in (src / "warmflow_shared").rglob("*.py"):
        name = ".".join(path.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        deps: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {  # imports for type checkers only never run
            id(inner)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and ast.unparse(block.test).endswith("TYPE_CHECKING")
            for inner in ast.walk(block)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps.update(alias.name for alias in node.names)
        # a package importing its own submodules is not a cycle
        found[name] = {d for d in deps if d.startswith("warmflow_shared") and d != name}
    return found


def test_shared_has_no_import_cycles_between_modules_or_packages() -> None:
    imports = _shared_imports()

    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    edges = {(package(m), package(d)) for m, ds in imports.items() for d in ds}
    mutual = sorted((a, b) for a, b in edges if a < b and (b, a) in edges)
    assert mutual == [], f"packages of shared/ that import each other: {mutual}"

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for dep in imports.get(start, ()):
            if dep == goal or (dep not in seen and (seen.add(dep) or reaches(dep, goal, seen))):
                return True
        return False

    cycles = sorted(m for m in imports if reaches(m, m, set()))
    assert cycles == [], f"modules of shared/ on an import cycle: {cycles}"


PACKAGES = ["warmflow_shared", *(f"warmflow_{name}" for name in [*SERVICES, "gateway"])]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_imports(package: str) -> None:
    """mypy ignores missing imports (third-party stubs); a moved module must still fail here."""
    import importlib
    import pkgutil

    root = importlib.import_module(package)
    broken = []
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        try:
            importlib.import_module(info.name)
        except ImportError as exc:
            broken.append(f"{info.name}: {exc}")
    assert broken == []
