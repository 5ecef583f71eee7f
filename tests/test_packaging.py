"""What a `flet build` of the store app runs, checked without Flutter: the
modules it imports."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLET_DIR = ROOT / "packaging" / "flet"
# A tablet build ships without these (packaging/flet/pyproject.toml lists none of them).
WEB_ONLY = ("flet_web", "uvicorn", "fastapi", "starlette", "oms_core")


def _python(code: str, *, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if k != "BACKROOM_CORE_URL"}, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_built_apps_entry_point_imports_no_web_server(tmp_path):
    code = f"""
import sys
import app.main
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({WEB_ONLY!r}))
print(",".join(loaded))
"""
    done = _python(code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"a tablet build would crash importing {done.stdout.strip()}"
