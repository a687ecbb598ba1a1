"""Imports in app/ go one way: no cycle between modules, no two packages importing each other.

Every import counts, at module level or inside a function: a lazy import hides a cycle from
Python's loader, not from a reader. The intended direction of the packages is drawn in
docs/architecture.md.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"


# docs/architecture.md: a package imports only packages on lower rows. A package not listed
# here is held only to the cycle tests.
LAYERS = [
    ["app", "cli"],
    ["dashboard", "transfer"],
    ["doctor"],
    ["openai_api", "curation", "comparisons", "spend"],
    ["ai", "analytics", "og"],
    ["datasets", "prompts", "privacy", "provenance", "webhooks"],
    ["history"],
    ["auth", "rollup", "tracking"],
    ["governance"],
    ["observability"],
    ["security", "health"],
    ["storage", "errors", "progress", "redis_client", "checks"],
    ["models"],
    ["extensions", "config", "choices"],
]


# Imports that break the rules above, each waiting for its owner to remove it (a test below fails
# once one is gone, so the list only shrinks). Never add to it: fix the import.
KNOWN_EDGES = {}


def module_names():
    """{dotted module name: path} of every module under app/ (a package under its own name)."""
    names = {}
    for path in APP.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        names[".".join(parts)] = (path, is_package)
    return names


def _resolve(module, node, is_package):
    """The absolute name ``from ... import`` reads from, for relative imports too."""
    if not node.level:
        return node.module
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(known=None):
    """{module: {modules it imports}} within app/, each ``from p import m`` resolved to p.m when m is a module."""
    names = module_names()
    graph = defaultdict(set)
    for module, (path, is_package) in names.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(module, node, is_package)
                for alias in node.names:
                    candidate = f"{source}.{alias.name}"
                    targets.append(candidate if candidate in names else source)
            for target in targets:
                if target in names and target != module and not _known(module, target, known):
                    graph[module].add(target)
    return graph


def _known(module, target, known):
    known = KNOWN_EDGES if known is None else known
    def within(name, prefix):
        return name == prefix or name.startswith(prefix + ".")

    return any(within(module, source) and (target == prefix if prefix == "app" else within(target, prefix))
               for source, prefix in known)


def module_cycles(graph):
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def package_of(module):
    """``app.ai.providers.openai`` → ``app.ai``; top-level modules (``app.cli``) are their own package."""
    return ".".join(module.split(".")[:2])


def package_edges(graph):
    """{(package, package): an import that goes from the first to the second} for imports across packages.

    ``app`` itself (``create_app``, which wires every package) is left out: it is the top.
    """
    edges = {}
    for source, targets in graph.items():
        for target in targets:
            a, b = package_of(source), package_of(target)
            if a != b and "app" not in (a, b):
                edges.setdefault((a, b), f"{source} → {target}")
    return edges


def mutual_packages(graph):
    edges = package_edges(graph)
    return sorted((edges[(a, b)], edges[(b, a)]) for a, b in edges if a < b and (b, a) in edges)


def test_every_known_exception_still_exists():
    """An import on KNOWN_EDGES that is gone comes off the list."""
    graph = import_graph(known={})
    for source, prefix in KNOWN_EDGES:
        assert any(_known(module, target, {(source, prefix): ""}) for module in graph for target in graph[module]), \
            f"{source} no longer imports {prefix}: take it off KNOWN_EDGES"


def test_the_graph_sees_lazy_and_relative_imports():
    graph = import_graph()
    assert "app.tracking" in graph["app"]  # create_app's lazy ``from .tracking import init_app``
    assert "app.ai.errors" in graph["app.ai.pipeline"]  # ``from .errors import ...``


def test_no_import_cycle_between_modules():
    cycles = module_cycles(import_graph())
    assert not cycles, "modules that import each other (directly or around a loop):\n" + "\n".join(
        " ↔ ".join(group) for group in cycles)


def test_no_two_packages_import_each_other():
    pairs = mutual_packages(import_graph())
    assert not pairs, "packages that import each other:\n" + "\n".join(f"{a}   and   {b}" for a, b in pairs)


def test_packages_import_one_way():
    """No loop of any length between packages (a → b → c → a), which the pairs above would miss."""
    graph = defaultdict(set)
    for a, b in package_edges(import_graph()):
        graph[a].add(b)
    loops = module_cycles(graph)
    assert not loops, "packages that import each other around a loop: " + "; ".join(" → ".join(loop) for loop in loops)


def upward_imports(edges):
    """The imports in ``edges`` (package pairs) that go up the rows of LAYERS, or along one row."""
    row = {f"app.{name}": number for number, names in enumerate(LAYERS) for name in names}
    return sorted(example for (a, b), example in edges.items() if a in row and b in row and row[b] <= row[a])


def test_packages_import_only_lower_rows():
    wrong = upward_imports(package_edges(import_graph()))
    assert not wrong, "imports against the rows of docs/architecture.md:\n" + "\n".join(wrong)


def test_an_upward_import_is_found():
    assert upward_imports({("app.history", "app.ai"): "app.history.x → app.ai.y",
                           ("app.ai", "app.history"): "app.ai.y → app.history.x"}) == ["app.history.x → app.ai.y"]


def test_a_cycle_is_found_when_one_is_made():
    graph = {"app.a.x": {"app.b.y"}, "app.b.y": {"app.b.z"}, "app.b.z": {"app.a.x"}}
    assert module_cycles(graph) == [["app.a.x", "app.b.y", "app.b.z"]]
    assert mutual_packages(graph) == [("app.a.x → app.b.y", "app.b.z → app.a.x")]


def test_relative_imports_resolve_from_the_package():
    from_sibling = ast.parse("from .errors import RequestError").body[0]
    from_parent = ast.parse("from .. import bi").body[0]
    assert _resolve("app.ai.pipeline", from_sibling, False) == "app.ai.errors"
    assert _resolve("app.ai", from_sibling, True) == "app.ai.errors"
    assert _resolve("app.history.rollup.queries", from_parent, False) == "app.history"
