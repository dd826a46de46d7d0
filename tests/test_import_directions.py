"""Dependencies run one way: no domain package imports one that imports it back, and matching/ imports no service.

Read from the source (no import is executed), so a new upward import fails here with the modules that make it.
"""

import ast
import itertools
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICE = ROOT / "service"
MATCHING = ROOT / "matching"


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, as dotted names (`from service import clock` gives service.clock)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _domain_packages() -> set[str]:
    return {p.name for p in SERVICE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def domain_imports() -> dict[str, dict[str, set[str]]]:
    """For each domain package, the other domain packages it imports and, per one, the files that do."""
    domains = _domain_packages()
    edges: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in SERVICE.rglob("*.py"):
        parts = path.relative_to(SERVICE).parts
        if len(parts) < 2:
            continue  # service/*.py are the shared base (db, auth, errors, states ...), not a domain
        for module in _imported_modules(path):
            names = module.split(".")
            if len(names) >= 2 and names[0] == "service" and names[1] in domains and names[1] != parts[0]:
                edges[parts[0]][names[1]].add(str(path.relative_to(ROOT)))
    return edges


def _cycle_from(start: str, edges: dict[str, dict[str, set[str]]]) -> list[str] | None:
    """A path start -> ... -> start through the import graph, if there is one."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in edges.get(node, {}):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_the_check_sees_imports_of_every_kind(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import service.dwellings.models\nfrom service import places\nfrom .x import y\n"
                      "def f():\n    from service.shortlists import service as s\n")
    assert _imported_modules(source) == {"service.dwellings.models", "service", "service.places",
                                         "service.shortlists", "service.shortlists.service"}


def test_the_cycle_finder_finds_a_cycle_through_three_packages() -> None:
    edges = {"a": {"b": {"a.py"}}, "b": {"c": {"b.py"}}, "c": {"a": {"c.py"}}, "d": {"a": {"d.py"}}}
    assert _cycle_from("a", edges) == ["a", "b", "c", "a"]
    assert _cycle_from("d", edges) is None


def test_no_domain_package_imports_one_that_imports_it_back() -> None:
    edges = domain_imports()
    assert edges["workflow"]["shortlists"], "the graph is read: workflow uses shortlists"
    cycles = {}
    for package in sorted(edges):
        cycle = _cycle_from(package, edges)
        if cycle:
            cycles[" -> ".join(cycle)] = {f"{a} -> {b}": sorted(edges[a][b]) for a, b in itertools.pairwise(cycle)}
    assert cycles == {}


def test_the_lower_domains_never_reach_into_matching_or_the_workflow() -> None:
    """Records (dwellings, registrations, places, exemptions) are below shortlists and workflow."""
    edges = domain_imports()
    for record in ("dwellings", "registrations", "places", "exemptions", "regions", "audit", "events"):
        assert not {"shortlists", "workflow", "stuck", "whatif", "monitor"} & set(edges.get(record, {})), record


def test_matching_is_a_pure_library() -> None:
    forbidden = ("service", "fastapi", "sqlmodel", "sqlalchemy", "pydantic_settings", "os", "httpx")
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imported_modules(path) if m.split(".")[0] in forbidden)
        for path in MATCHING.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
