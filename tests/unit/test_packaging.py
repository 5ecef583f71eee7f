"""The core's environment file example (packaging/core/core.env.example) is
what an IT team starts from: it names every setting and loads as it stands."""

import subprocess
from pathlib import Path

from oms_core.core.config import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "packaging" / "core" / "core.env.example"


def _entries() -> dict[str, str]:
    """The values as the shell reads them when an operator sources the file for a
    one-off command (systemd's EnvironmentFile strips the same double quotes)."""
    lines = [line for line in EXAMPLE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    raw = dict(line.split("=", 1) for line in lines)
    sourced = subprocess.run(
        ["bash", "-c", 'set -a; . "$0"; for key in "$@"; do printf "%s\\0%s\\0" "$key" "${!key}"; done',
         str(EXAMPLE), *raw],
        env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
    )
    assert sourced.returncode == 0 and sourced.stderr == "", f"the shell cannot source {EXAMPLE.name}: {sourced.stderr}"
    fields = sourced.stdout.split("\0")[:-1]
    entries = dict(zip(fields[::2], fields[1::2], strict=True))
    assert entries == {key: _as_systemd_reads(value) for key, value in raw.items()}
    return entries


def _as_systemd_reads(value: str) -> str:
    """EnvironmentFile=: surrounding whitespace goes, then one pair of double quotes."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def test_the_core_environment_example_names_every_setting():
    named = {key.removeprefix("BACKROOM_").lower() for key in _entries()}
    assert sorted(set(Settings.model_fields) - named) == []


def test_the_core_environment_example_loads_with_the_defaults_it_states(monkeypatch):
    for key, value in _entries().items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    defaults = Settings.model_construct()
    differing = {name for name in Settings.model_fields if getattr(settings, name) != getattr(defaults, name)}
    assert differing == {"database_url"}  # the one setting production must give


def test_the_core_serves_on_the_socket_systemd_holds_for_it():
    """The service takes its listening socket from the socket unit (fd 3), so that a restart
    keeps the calls made meanwhile (tests/test_cli.py restarts a core on such a socket)."""
    units = EXAMPLE.parent
    service = (units / "backroom-core.service").read_text().splitlines()
    socket_unit = (units / "backroom-core.socket").read_text().splitlines()
    assert "Requires=backroom-core.socket" in service
    (start,) = [line for line in service if line.startswith("ExecStart=")]
    assert " core --fd 3 " in start and "--port" not in start
    assert "ListenStream=127.0.0.1:8000" in socket_unit
