"""The core's environment file example (packaging/core/core.env.example) is
what an IT team starts from: it names every setting and loads as it stands."""

from pathlib import Path

from oms_core.core.config import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "packaging" / "core" / "core.env.example"


def _entries() -> dict[str, str]:
    lines = [line for line in EXAMPLE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


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
