"""Schemathesis over the whole OpenAPI document, against the real app in
process on SQLite: whatever it sends, the core answers without a 5xx, with a
status the document lists and a body that matches the document.

Each operation is called as a caller the route table allows (so the fuzzing
gets past 401/403 into the route itself), a bounded number of times.
"""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from oms_core.api.main import create_app
from oms_core.core import migrate
from oms_core.core.config import Settings

from .conftest import Core
from .test_route_roles import ROUTES, Callers

# The most capable allowed caller first: it reaches the most code.
PREFERENCE = ("admin", "manager", "device", "channel", "associate")
# The event stream never ends by itself; test_route_roles and tests/sync cover it.
NOT_FUZZED = {("GET", "/api/v1/sync/events")}


# Schemathesis builds one test per operation from a schema loaded at import
# (its lazy, fixture-loaded variant does not run under this pytest), so the
# app and its database are made here, once for the module.
_DATA = Path(tempfile.mkdtemp(prefix="backroom-fuzz-"))
# No lockout: the fuzzer signs in wrongly on purpose, many times.
_SETTINGS = Settings(database_url=f"sqlite:///{_DATA / 'core.db'}", log_level="ERROR", client_max_failures=10**9)
_APP = create_app(_SETTINGS)
migrate.upgrade(_APP.state.engine)
# Schemathesis runs the app's lifespan itself, on its own event loop.
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@pytest.fixture(scope="module")
def callers() -> Iterator[Callers]:
    # Without `with`: the lifespan already runs under schemathesis.
    yield Callers(Core(TestClient(_APP), _SETTINGS))
    shutil.rmtree(_DATA, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_core_honours_its_openapi_document(case, callers: Callers):  # noqa: ANN001
    route = (case.method.upper(), case.path)
    if route in NOT_FUZZED:
        pytest.skip("an endless event stream")
    # Schemathesis also tries methods a path does not have (405): any caller will do.
    allowed = ROUTES.get(route, "admin").split()
    actor = next((a for a in PREFERENCE if a in allowed), None)
    headers = callers.headers[actor] if actor else {}
    if route == ("DELETE", "/api/v1/auth/token"):
        headers = callers.fresh()[actor]  # signing out must not end the other operations' sessions
    case.call_and_validate(
        headers=headers,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
