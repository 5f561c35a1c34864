"""Property-based API test: schemathesis generates requests for every operation of the OpenAPI spec;
no answer is a 5xx. Bounded: a few examples per operation, derandomised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.e2e.service_support import GOOD_YAML, Client, make_org, new_app

#: Examples generated per API operation (kept small so the suite stays fast).
MAX_EXAMPLES = 8


@pytest.mark.filterwarnings(
    "ignore::DeprecationWarning"
)  # schemathesis calls ASGI apps via starlette's TestClient
def test_no_server_errors(tmp_path: Path) -> None:
    app = new_app(tmp_path)
    org = make_org(app, "Fuzz")
    client = Client(app)
    headers = org.headers("editor")
    # a real scenario and run, so that generated requests also meet existing objects
    sid = client.post("/api/v1/scenarios", json={"name": "x", "yaml": GOOD_YAML}, headers=headers).json()[
        "id"
    ]
    client.post(f"/api/v1/scenarios/{sid}/plans", headers=headers)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    calls: list[int] = []
    operations = 0
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1

            @given(case=operation.as_strategy())
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                response = case.call(headers=headers)
                calls.append(response.status_code)
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}"
                    )

            check()
    finally:
        app.state.services.pool.wait_idle(20)
        client.close()
    assert operations >= 14
    assert len(calls) >= 2 * operations  # requests were really generated
    assert failures == []
