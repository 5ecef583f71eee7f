"""What a `flet build` of the store app runs, checked without Flutter: the
modules it imports, and the core URL build.sh bakes into it."""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLET_DIR = ROOT / "packaging" / "flet"
# A tablet build ships without these (packaging/flet/pyproject.toml lists none of them).
WEB_ONLY = ("flet_web", "uvicorn", "fastapi", "starlette", "oms_core")


def _python(code: str, *, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if k != "BACKROOM_CORE_URL"}, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_built_apps_entry_point_imports_no_web_server(tmp_path):
    # run_path with another name than __main__: the module's imports, not the app.
    code = f"""
import runpy, sys
runpy.run_path({str(FLET_DIR / "main.py")!r}, run_name="tablet_entry")
import app.main
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({WEB_ONLY!r}))
print(",".join(loaded))
"""
    done = _python(code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"a tablet build would crash importing {done.stdout.strip()}"


@pytest.fixture
def fake_repo(tmp_path: Path) -> Path:
    """build.sh in a repository copy whose packages are empty and whose `flet` only says how it was called."""
    repo = tmp_path / "repo"
    (repo / "packaging" / "flet").mkdir(parents=True)
    for name in ("build.sh", "main.py", "pyproject.toml"):
        shutil.copy(FLET_DIR / name, repo / "packaging" / "flet" / name)
    for package in ("app", "local_db", "contract", "printing"):
        (repo / package).mkdir()
        (repo / package / "__init__.py").write_text("")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    flet = bin_dir / "flet"
    flet.write_text('#!/bin/sh\necho "$PWD" > "$FLET_CALLS"\nprintf "%s\\n" "$@" >> "$FLET_CALLS"\n')
    flet.chmod(flet.stat().st_mode | stat.S_IEXEC)
    return repo


def _build(repo: Path, *args: str, core_url: str | None = None) -> tuple[subprocess.CompletedProcess, Path]:
    calls = repo.parent / "flet-calls.txt"
    env = {k: v for k, v in os.environ.items() if k != "BACKROOM_CORE_URL"}
    env |= {"PATH": f"{repo.parent / 'bin'}:{env['PATH']}", "FLET_CALLS": str(calls)}
    if core_url is not None:
        env["BACKROOM_CORE_URL"] = core_url
    done = subprocess.run(["bash", str(repo / "packaging" / "flet" / "build.sh"), *args], env=env,
                          capture_output=True, text=True, timeout=60)
    return done, calls


def test_build_refuses_to_build_without_a_core_url(fake_repo):
    done, calls = _build(fake_repo, "apk")
    assert done.returncode == 2 and "core's URL" in done.stderr
    assert not calls.exists()
    done, calls = _build(fake_repo, "apk", "--core-url", "core.example.com")
    assert done.returncode == 2 and "https://" in done.stderr and not calls.exists()
    done, calls = _build(fake_repo, "--core-url", "https://core.example.com", "exe")
    assert done.returncode == 2 and "unknown target" in done.stderr and not calls.exists()


def test_build_bakes_the_core_url_into_the_app(fake_repo, tmp_path):
    done, calls = _build(fake_repo, "aab", "--verbose", core_url="https://core.acme.test")
    assert done.returncode == 0, done.stderr
    stage, *flet_args = calls.read_text().splitlines()
    assert Path(stage) == fake_repo / "build" / "flet-stage"
    assert flet_args == ["build", "aab", "--output", str(fake_repo / "build" / "aab"), "--verbose"]
    assert json.loads((Path(stage) / "build_settings.json").read_text()) == {"core_url": "https://core.acme.test"}

    # --core-url wins over the environment.
    done, calls = _build(fake_repo, "--core-url", "https://eu.core.acme.test", "apk", core_url="https://core.acme.test")
    assert done.returncode == 0, done.stderr
    staged = fake_repo / "build" / "flet-stage"
    assert json.loads((staged / "build_settings.json").read_text())["core_url"] == "https://eu.core.acme.test"

    # The staged entry point reads it (the real store app on the path: the staged packages are empty).
    read = f"import runpy; print(runpy.run_path({str(staged / 'main.py')!r}, run_name='tablet_entry')['core_url']())"
    done = _python(read, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "https://eu.core.acme.test"
    # BACKROOM_CORE_URL, when set where the app starts, wins (a desktop build started by hand).
    done = _python(read, cwd=tmp_path, env={"BACKROOM_CORE_URL": "http://127.0.0.1:8000"})
    assert done.stdout.strip() == "http://127.0.0.1:8000", done.stderr

    # Without the file, and without BACKROOM_CORE_URL, it knows it has none (and says so on screen).
    (staged / "build_settings.json").unlink()
    done = _python(read, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"
