"""The Python of app/ and bench/ passes ruff (rules in app/ruff.toml), and the
package's modules import one another without a circle."""
import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter

from .servers import APP_DIR, ROOT


def test_the_python_passes_ruff():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--config", str(APP_DIR / "ruff.toml"),
                             str(APP_DIR), str(ROOT / "bench")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def own_imports(path, modules):
    """The modules of the package that `path` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [alias.name for alias in node.names]
            found.update(name.split(".")[0] for name in names)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            absolute = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found.update(n.split(".")[1] for n in absolute if n and n.startswith("users_api."))
    return found & modules


def test_the_package_has_no_import_circle():
    paths = {path.stem: path for path in (APP_DIR / "users_api").glob("*.py") if path.stem != "__init__"}
    graph = {name: own_imports(path, set(paths)) for name, path in paths.items()}
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as circle:
        raise AssertionError(f"users_api's modules import one another in a circle: {circle.args[1]}") from None
