from tests.api.conftest import Core, core, network  # noqa: F401  (the same in-process core)
