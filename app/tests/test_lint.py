"""The Python of app/ and bench/ passes ruff (rules in app/ruff.toml)."""
import subprocess
import sys

from .servers import APP_DIR, ROOT


def test_the_python_passes_ruff():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--config", str(APP_DIR / "ruff.toml"),
                             str(APP_DIR), str(ROOT / "bench")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
