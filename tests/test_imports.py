"""The import graph of the skdigits modules: layers, and no cycle anywhere.

Built from the source with ``ast`` (nothing is imported): every ``import skdigits...``
and ``from skdigits... import ...`` (or relative import), at module level or inside
functions, is an edge. ``from skdigits import NAME`` goes to the submodule NAME, or to
the module the package's lazy ``_PUBLIC`` table loads NAME from, or else to the package.

Layers: the command line (``skdigits.cli``, ``skdigits.__main__`` and the private
``skdigits._cli_*`` helpers) on top, the drawing window (``skdigits.gui``) beside it, the
library (every other module) below. The library never imports the command line or the
window; the window never imports the command line.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skdigits"


def _module_name(path):
    parts = ["skdigits", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _lazy_public(init_path):
    """The package's ``_PUBLIC`` table: public name -> module it is loaded from."""
    for node in ast.walk(ast.parse(init_path.read_text())):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "_PUBLIC" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    return {}


def import_graph():
    """``{module: {imported skdigits module, ...}}`` for every module of the package."""
    modules = _modules()
    public = _lazy_public(modules["skdigits"])
    graph = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")
                    base = base[: len(base) - node.level + (1 if is_package else 0)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets = []
                for alias in node.names:
                    full = f"{module}.{alias.name}"
                    if full in modules:
                        targets.append(full)
                    elif module == "skdigits" and alias.name in public:
                        targets.append(public[alias.name])
                    else:
                        targets.append(module)
            else:
                continue
            for target in targets:
                # "import skdigits.a.b" imports skdigits.a.b (and its parents, lazily cheap).
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target.startswith("skdigits") and target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def _is_cli(module):
    return module in ("skdigits.cli", "skdigits.__main__") or module.startswith("skdigits._cli")


def _find_cycle(graph):
    """One import cycle as a list of modules, or None."""
    state = {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_graph_sees_the_known_imports(graph):
    # Function-level imports count: the CLI loads the window only for `draw`.
    assert "skdigits.gui" in graph["skdigits.cli"]
    assert "skdigits.inference" in graph["skdigits.gui"]
    assert "skdigits.preprocessing" in graph["skdigits.inference"]
    assert any("skdigits.exceptions" in graph[m] for m in graph
               if m.startswith("skdigits.preprocessing"))


def test_no_import_cycle(graph):
    cycle = _find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_library_imports_neither_the_command_line_nor_the_window(graph):
    bad = {
        (module, target)
        for module, targets in graph.items()
        if not _is_cli(module) and module != "skdigits.gui"
        for target in targets
        if _is_cli(target) or target == "skdigits.gui"
    }
    assert not bad, f"library modules importing the CLI or the GUI: {sorted(bad)}"


def test_the_window_does_not_import_the_command_line(graph):
    assert not {t for t in graph["skdigits.gui"] if _is_cli(t)}


def test_the_cycle_finder_finds_cycles():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None
