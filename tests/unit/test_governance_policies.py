"""Organisation policies: parsing (errors name the field and the valid names) and evaluation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackplan.errors import InputError
from stackplan.governance import QUANTITIES, assess, evaluate_policies, load_policies, parse_policies
from stackplan.governance.policies import OPERATORS_BY_KIND, holds
from stackplan.governance.quantities import ENTITIES, policy_rows
from tests.unit.governance_fixtures import CLEAN, HYBRID, with_deployment, with_years

EXAMPLES = """
schema_version: 1
policies:
  - id: restricted-stays-in-eu
    quantity: workload.regions
    operator: in
    value: [eu-west, eu-central, eu-north]
    where:
      - {quantity: workload.data_class, operator: "==", value: restricted}
    severity: fail
    component: data
    message: restricted data never leaves the EU regions
  - id: provider-share
    quantity: deployment.max_provider_share
    operator: "<="
    value: 0.4
    severity: warning
    message: no more than 40% of capacity with one provider
  - id: carbon
    quantity: year.emissions_market_tco2e
    operator: "<"
    value: 500
    message: emissions under 500 tCO2e a year
"""


def _rule(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "r",
        "quantity": "year.spend_usd",
        "operator": "<=",
        "value": 1,
        "message": "m",
    }
    base.update(over)
    return base


def _problems(data: Any) -> list[str]:
    with pytest.raises(InputError) as info:
        parse_policies(data)
    return [str(p) for p in info.value.problems]


def test_parse_examples_from_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(EXAMPLES)
    rules = load_policies(path)
    assert [r.id for r in rules] == ["restricted-stays-in-eu", "provider-share", "carbon"]
    assert rules[0].entity == "workload"
    assert rules[0].severity == "fail"
    assert rules[0].component == "data"
    assert rules[2].severity == "fail"  # default


def test_examples_on_clean_plan() -> None:
    rules = parse_policies(__import__("yaml").safe_load(EXAMPLES))
    found = evaluate_policies(rules, CLEAN)
    by = {f.check: f for f in found}
    assert by["policy.restricted-stays-in-eu"].severity == "info"
    assert by["policy.carbon"].severity == "info"  # 100 tCO2e market-based
    # the clean plan puts 8 of 16 primary rag + 4 ft = own 12/20 = 60 % with one provider
    share = by["policy.provider-share"]
    assert share.severity == "warning"
    assert share.subject == "hybrid"
    assert "0.6" in share.title


def test_unknown_quantity_names_it_suggests_and_lists_valid_names() -> None:
    (msg,) = _problems([_rule(quantity="workload.region", operator="in", value=["eu-west"])])
    assert "policies[0].quantity" in msg
    assert "unknown quantity 'workload.region'" in msg
    assert "did you mean 'workload.regions'" in msg
    for name in QUANTITIES:
        assert name in msg


def test_unknown_operator_names_it_and_lists_operators() -> None:
    (msg,) = _problems([_rule(operator="=<")])
    assert "unknown operator '=<'" in msg
    assert "did you mean '<='" in msg
    for op in ("<", "<=", ">", ">=", "==", "!=", "in", "not_in"):
        assert op in msg


def test_every_problem_at_once() -> None:
    msgs = _problems(
        [
            _rule(quantity="nope"),
            _rule(id="r2", operator="~"),
            _rule(id="r3", severity="critical"),
            _rule(id="r4", colour="red"),
            _rule(id="r5", value="ten"),
            {"id": "r6"},
        ]
    )
    joined = "\n".join(msgs)
    assert "policies[0].quantity" in joined
    assert "policies[1].operator" in joined
    assert "policies[2].severity" in joined
    assert "unknown severity 'critical'" in joined
    assert "policies[3].colour" in joined
    assert "unknown key 'colour'" in joined
    assert "policies[4].value" in joined
    assert "must be a number" in joined
    assert "policies[5].quantity: is required" in joined
    assert "policies[5].message: is required" in joined


def test_operator_must_fit_the_kind() -> None:
    (msg,) = _problems([_rule(quantity="workload.critical", operator="<", value=True)])
    assert "does not apply to workload.critical (bool)" in msg


def test_condition_from_another_entity_rejected() -> None:
    (msg,) = _problems([_rule(where=[{"quantity": "workload.data_class", "operator": "==", "value": "x"}])])
    assert "where[0].quantity" in msg
    assert "not a quantity of a year rule" in msg


def test_duplicate_ids_and_schema_version() -> None:
    assert any("repeats" in m for m in _problems([_rule(), _rule()]))
    assert any("schema_version" in m for m in _problems({"schema_version": 2, "policies": []}))


def test_yaml_syntax_error_gives_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("policies:\n  - id: x\n    value: [1, 2\n")
    with pytest.raises(InputError, match="line"):
        load_policies(path)


def test_restricted_outside_eu_is_a_failure_with_evidence() -> None:
    rules = parse_policies(
        [
            {
                "id": "eu-west-only",
                "quantity": "workload.regions",
                "operator": "in",
                "value": ["eu-west"],
                "where": [{"quantity": "workload.data_class", "operator": "==", "value": "restricted"}],
                "message": "restricted data never leaves eu-west",
            }
        ]
    )
    found = evaluate_policies(rules, CLEAN)
    assert [f.severity for f in found] == ["fail"]
    assert found[0].subject == "rag"
    assert found[0].deployment == "hybrid"
    assert "eu-central" in found[0].title
    assert "eu-north" in found[0].title
    # the non-restricted workload 'ft' (eu-central) is not selected
    assert all(f.subject != "ft" for f in found)


def test_policy_failure_makes_assessment_fail_and_enters_risk_register() -> None:
    rules = parse_policies(
        [
            _rule(
                id="cap", quantity="year.emissions_market_tco2e", operator="<", value=50, message="low carbon"
            )
        ]
    )
    a = assess(CLEAN, rules)
    assert a.worst_severity == "fail"
    assert [e.check for e in a.risk_register] == ["policy.cap"]
    assert any(r.reference == "A.2.2" for r in a.findings[-1].references)


def test_unknown_values_are_not_evaluated() -> None:
    rules = parse_policies([_rule(quantity="year.budget_usd", operator=">", value=0)])
    facts = with_years(budget_usd=None)
    (f,) = evaluate_policies(rules, facts)
    assert f.severity == "info"
    assert "not evaluated for 2" in f.title


def test_deployment_condition_scopes_a_site_rule() -> None:
    rules = parse_policies(
        [
            _rule(
                quantity="site.it_power_kw",
                operator="<",
                value=100,
                where=[{"quantity": "deployment.model", "operator": "in", "value": ["on_prem"]}],
            )
        ]
    )
    (f,) = evaluate_policies(rules, CLEAN)  # the only deployment is hybrid: nothing selected
    assert f.severity == "info"
    assert "holds for 0" in f.title
    facts = with_deployment(model="on_prem")
    # own-dc has 300 kW (fails); the cloud site has no IT power of the organisation's (holds)
    assert [(x.severity, x.subject) for x in evaluate_policies(rules, facts)] == [("fail", "own-dc")]


def test_registry_matches_rows() -> None:
    rows = policy_rows(CLEAN)
    for entity, rs in rows.items():
        assert rs, entity
        expected = {q for q in QUANTITIES if QUANTITIES[q].entity in ENTITIES[entity]}
        for r in rs:
            assert set(r.values) == expected


@pytest.mark.parametrize(
    ("op", "actual", "expected", "result"),
    [
        ("in", frozenset({"a"}), frozenset({"a", "b"}), True),
        ("in", frozenset({"a", "c"}), frozenset({"a", "b"}), False),
        ("not_in", frozenset({"c"}), frozenset({"a", "b"}), True),
        ("not_in", frozenset({"a", "c"}), frozenset({"a", "b"}), False),
        ("==", frozenset({"a"}), frozenset({"a"}), True),
        ("in", "x", frozenset({"x"}), True),
        ("not_in", "x", frozenset({"x"}), False),
        ("<", 1.0, 2.0, True),
        (">=", 2.0, 2.0, True),
        ("!=", True, False, True),
        ("in", 2026, frozenset({2026.0}), True),
        ("<", None, 2.0, False),
    ],
)
def test_holds_table(op: Any, actual: Any, expected: Any, result: bool) -> None:
    assert holds(op, actual, expected) is result


@given(st.floats(-1e30, 1e30), st.floats(-1e30, 1e30))
def test_number_operators_partition(a: float, b: float) -> None:
    assert holds("<", a, b) != holds(">=", a, b)
    assert holds(">", a, b) != holds("<=", a, b)
    assert holds("==", a, b) != holds("!=", a, b)


def test_every_kind_has_operators() -> None:
    assert set(OPERATORS_BY_KIND) == {"number", "text", "text_set", "bool"}
    assert HYBRID.placements  # fixture sanity
