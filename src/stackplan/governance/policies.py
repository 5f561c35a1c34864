"""Organisation policies: declarative rules on named plan quantities, read from YAML.

A rule says what must hold for every entity it selects::

    - id: restricted-stays-in-eu-west
      quantity: workload.regions
      operator: in                 # for a set: every element is in the list
      value: [eu-west]
      where:
        - {quantity: workload.data_class, operator: "==", value: restricted}
      severity: fail
      message: restricted data never leaves eu-west

Nothing is ever evaluated as code: a rule is parsed into a :class:`PolicyRule` (a quantity from
:data:`~stackplan.governance.quantities.QUANTITIES`, an operator from :data:`OPERATORS`, a typed
value) and applied by :func:`holds`, a small typed comparison. Unknown quantities, operators or
keys are :class:`~stackplan.errors.InputError` naming them, with the closest valid names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from stackplan.errors import InputError, InputProblem, closest
from stackplan.governance._yaml import read_yaml
from stackplan.governance.facts import GovernanceFacts
from stackplan.governance.findings import COMPONENTS, SEVERITIES, Component, Evidence, Finding, Severity
from stackplan.governance.quantities import (
    ENTITIES,
    QUANTITIES,
    Entity,
    Quantity,
    QuantityKind,
    Row,
    Value,
    policy_rows,
)

__all__ = [
    "OPERATORS",
    "POLICY_SCHEMA_VERSION",
    "Condition",
    "Operator",
    "PolicyRule",
    "evaluate_policies",
    "holds",
    "load_policies",
    "parse_policies",
]

POLICY_SCHEMA_VERSION = 1

Operator = Literal["<", "<=", ">", ">=", "==", "!=", "in", "not_in"]
#: Every operator a rule may use.
OPERATORS: tuple[Operator, ...] = get_args(Operator)

#: Operators each kind of quantity accepts.
OPERATORS_BY_KIND: dict[QuantityKind, tuple[Operator, ...]] = {
    "number": OPERATORS,
    "text": ("==", "!=", "in", "not_in"),
    "text_set": ("==", "!=", "in", "not_in"),
    "bool": ("==", "!="),
}

#: Common misspellings, used only to suggest the right operator (never accepted).
_OPERATOR_HINTS = {
    "=<": "<=",
    "=>": ">=",
    "=": "==",
    "<>": "!=",
    "not in": "not_in",
    "notin": "not_in",
    "!in": "not_in",
}

_RULE_KEYS = (
    "id",
    "quantity",
    "operator",
    "value",
    "where",
    "severity",
    "message",
    "component",
    "description",
)
_CONDITION_KEYS = ("quantity", "operator", "value")

Operand = float | str | bool | frozenset[str] | frozenset[float]


@dataclass(frozen=True)
class Condition:
    """``quantity operator value``, typed."""

    quantity: Quantity
    operator: Operator
    value: Operand

    def __str__(self) -> str:
        return f"{self.quantity.name} {self.operator} {_show(self.value)}"


@dataclass(frozen=True)
class PolicyRule:
    """A parsed organisation policy: the assertion, the conditions that select where it applies."""

    id: str
    assertion: Condition
    where: tuple[Condition, ...]
    severity: Severity
    message: str
    component: Component = "governance"
    description: str = ""

    @property
    def entity(self) -> Entity:
        """The entity the rule iterates over (its quantity's entity)."""
        return self.assertion.quantity.entity


def _show(v: Value | Operand) -> str:
    if isinstance(v, frozenset):
        return "[" + ", ".join(str(x) for x in sorted(v, key=str)) + "]"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def holds(operator: Operator, actual: Value, expected: Operand) -> bool:
    """Whether ``actual operator expected`` holds; a missing ``actual`` (``None``) never holds.

    Sets: ``in`` = every element of ``actual`` is in ``expected`` (subset); ``not_in`` = no element
    is (disjoint); ``==``/``!=`` compare as sets. Scalars: ``in``/``not_in`` test membership.
    """
    if actual is None:
        return False
    if isinstance(actual, frozenset):
        assert isinstance(expected, frozenset)
        if operator == "in":
            return actual <= expected
        if operator == "not_in":
            return not (actual & expected)
        return (actual == expected) == (operator == "==")
    if operator == "in":
        return isinstance(expected, frozenset) and actual in expected
    if operator == "not_in":
        return isinstance(expected, frozenset) and actual not in expected
    if operator == "==":
        return actual == expected
    if operator == "!=":
        return actual != expected
    a, e = float(actual), float(expected)  # type: ignore[arg-type]
    return {"<": a < e, "<=": a <= e, ">": a > e, ">=": a >= e}[operator]


# ----------------------------------------------------------------------------------------- parsing
def _unknown(field: str, kind: str, value: str, known: Sequence[str]) -> InputProblem:
    hint = closest(value, known)
    if kind == "operator" and value.strip().lower() in _OPERATOR_HINTS:
        hint = [_OPERATOR_HINTS[value.strip().lower()]]
    fix = (
        f"did you mean {', '.join(repr(h) for h in hint)}? " if hint else ""
    ) + f"valid {kind}s: {', '.join(known)}"
    return InputProblem(field, f"unknown {kind} {value!r}", None, fix)


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v))


def _typed_value(q: Quantity, op: Operator, raw: object, field: str) -> Operand | InputProblem:
    """Check ``raw`` against the quantity's kind and the operator; return the typed operand."""
    listy = op in ("in", "not_in") or q.kind == "text_set"
    if listy:
        if not isinstance(raw, list) or not raw:
            return InputProblem(
                field,
                f"operator {op!r} on {q.name} needs a non-empty list",
                repr(raw),
                "write e.g. [eu-west]",
            )
        if q.kind == "number":
            if not all(_is_number(x) for x in raw):
                return InputProblem(
                    field, f"{q.name} is a number; every list element must be a number", repr(raw)
                )
            return frozenset(float(x) for x in raw)
        if not all(isinstance(x, str) for x in raw):
            return InputProblem(
                field, f"{q.name} is text; every list element must be a string", repr(raw), "quote the values"
            )
        return frozenset(str(x) for x in raw)
    if q.kind == "number":
        if not _is_number(raw):
            return InputProblem(
                field, f"{q.name} is a number [{q.unit}]; the value must be a number", repr(raw)
            )
        return float(raw)  # type: ignore[arg-type]
    if q.kind == "bool":
        if not isinstance(raw, bool):
            return InputProblem(field, f"{q.name} is true/false; the value must be true or false", repr(raw))
        return raw
    if not isinstance(raw, str):
        return InputProblem(
            field, f"{q.name} is text; the value must be a string", repr(raw), "quote the value"
        )
    return raw


def _condition(
    raw: object, field: str, problems: list[InputProblem], allowed_keys: tuple[str, ...]
) -> Condition | None:
    if not isinstance(raw, dict):
        problems.append(InputProblem(field, "must be a mapping with quantity, operator and value", repr(raw)))
        return None
    ok = True
    for key in raw:
        if key not in allowed_keys:
            problems.append(_unknown(f"{field}.{key}", "key", str(key), allowed_keys))
            ok = False
    for key in _CONDITION_KEYS:
        if key not in raw:
            problems.append(InputProblem(f"{field}.{key}", "is required", None, f"add '{key}:'"))
            ok = False
    if not ok:
        return None
    qname, op = str(raw["quantity"]), str(raw["operator"])
    q = QUANTITIES.get(qname)
    if q is None:
        problems.append(_unknown(f"{field}.quantity", "quantity", qname, list(QUANTITIES)))
    if op not in OPERATORS:
        problems.append(_unknown(f"{field}.operator", "operator", op, OPERATORS))
    if q is None or op not in OPERATORS:
        return None
    operator: Operator = op
    if operator not in OPERATORS_BY_KIND[q.kind]:
        problems.append(
            InputProblem(
                f"{field}.operator",
                f"operator {op!r} does not apply to {q.name} ({q.kind})",
                None,
                f"use one of: {', '.join(OPERATORS_BY_KIND[q.kind])}",
            )
        )
        return None
    typed = _typed_value(q, operator, raw["value"], f"{field}.value")
    if isinstance(typed, InputProblem):
        problems.append(typed)
        return None
    return Condition(q, operator, typed)


def parse_policies(data: Any, *, where: str = "policies") -> tuple[PolicyRule, ...]:
    """Parse policies from a mapping (``{schema_version: 1, policies: [...]}``) or a list of rules.

    Every problem is reported at once in one :class:`InputError`.
    """
    problems: list[InputProblem] = []
    rules_raw: Any = data
    if isinstance(data, dict):
        for key in data:
            if key not in ("schema_version", "policies"):
                problems.append(_unknown(f"{where}.{key}", "key", str(key), ("schema_version", "policies")))
        version = data.get("schema_version", POLICY_SCHEMA_VERSION)
        if version != POLICY_SCHEMA_VERSION:
            problems.append(
                InputProblem(
                    f"{where}.schema_version",
                    "unsupported schema version",
                    repr(version),
                    f"use {POLICY_SCHEMA_VERSION}",
                )
            )
        rules_raw = data.get("policies", [])
        where = f"{where}.policies"
    if not isinstance(rules_raw, list):
        raise InputError(
            InputProblem(where, "must be a list of rules", type(rules_raw).__name__, "see docs/governance.md")
        )
    rules: list[PolicyRule] = []
    seen: set[str] = set()
    for i, raw in enumerate(rules_raw):
        field = f"{where}[{i}]"
        if not isinstance(raw, dict):
            problems.append(InputProblem(field, "must be a mapping (a rule)", repr(raw)))
            continue
        before = len(problems)
        rule_id = str(raw.get("id", ""))
        if not rule_id:
            problems.append(InputProblem(f"{field}.id", "is required", None, "add 'id: a-short-name'"))
        elif rule_id in seen:
            problems.append(
                InputProblem(f"{field}.id", "repeats an earlier rule id", rule_id, "make ids unique")
            )
        seen.add(rule_id)
        if not str(raw.get("message", "")).strip():
            problems.append(
                InputProblem(f"{field}.message", "is required", None, "say in words what the rule wants")
            )
        severity = raw.get("severity", "fail")
        if severity not in SEVERITIES:
            problems.append(_unknown(f"{field}.severity", "severity", str(severity), SEVERITIES))
        component = raw.get("component", "governance")
        if component not in COMPONENTS:
            problems.append(_unknown(f"{field}.component", "component", str(component), COMPONENTS))
        assertion = _condition(raw, field, problems, _RULE_KEYS)
        conds_raw = raw.get("where", [])
        if not isinstance(conds_raw, list):
            problems.append(InputProblem(f"{field}.where", "must be a list of conditions", repr(conds_raw)))
            conds_raw = []
        conds = [
            _condition(c, f"{field}.where[{j}]", problems, _CONDITION_KEYS) for j, c in enumerate(conds_raw)
        ]
        if assertion is not None:
            entity = assertion.quantity.entity
            usable = ENTITIES[entity]
            for j, c in enumerate(conds):
                if c is not None and c.quantity.entity not in usable:
                    problems.append(
                        InputProblem(
                            f"{field}.where[{j}].quantity",
                            f"{c.quantity.name} is not a quantity of a {entity} rule",
                            None,
                            f"use quantities starting with {' or '.join(e + '.' for e in usable)}",
                        )
                    )
        if len(problems) == before and assertion is not None:
            rules.append(
                PolicyRule(
                    id=rule_id,
                    assertion=assertion,
                    where=tuple(c for c in conds if c is not None),
                    severity=severity,
                    message=str(raw["message"]).strip(),
                    component=component,
                    description=str(raw.get("description", "")),
                )
            )
    if problems:
        raise InputError(problems)
    return tuple(rules)


def load_policies(path: Path) -> tuple[PolicyRule, ...]:
    """Read and parse a policy file (YAML)."""
    return parse_policies(read_yaml(path, field=str(path)), where=str(path))


# -------------------------------------------------------------------------------------- evaluation
def _selected(rule: PolicyRule, row: Row) -> bool:
    return all(holds(c.operator, row.values[c.quantity.name], c.value) for c in rule.where)


def _rule_findings(rule: PolicyRule, rows: list[Row]) -> list[Finding]:
    q = rule.assertion.quantity
    check = f"policy.{rule.id}"
    selected = [r for r in rows if _selected(rule, r)]
    unknown = [r for r in selected if r.values[q.name] is None]
    out = []
    for r in selected:
        actual = r.values[q.name]
        if actual is None or holds(rule.assertion.operator, actual, rule.assertion.value):
            continue
        out.append(
            Finding(
                check=check,
                title=f"{rule.message}: {r.label} has {q.name} = {_show(actual)}",
                severity=rule.severity,
                component=rule.component,
                evidence=(
                    Evidence(q.name, actual if not isinstance(actual, frozenset) else _show(actual), q.unit),
                    Evidence("rule", str(rule.assertion)),
                    *(Evidence("where", str(c)) for c in rule.where),
                ),
                recommendation=f"Change the plan so that {rule.assertion}, or record an exception to policy {rule.id!r}.",
                deployment=r.deployment,
                subject=r.label,
            )
        )
    if not out:
        out.append(
            Finding(
                check=check,
                title=f"{rule.message}: holds for {len(selected) - len(unknown)} {rule.entity}(s)"
                + (f", not evaluated for {len(unknown)} (value unknown)" if unknown else ""),
                severity="info",
                component=rule.component,
                evidence=(
                    Evidence("rule", str(rule.assertion)),
                    Evidence("rows selected", len(selected), rule.entity),
                    Evidence("rows with unknown value", len(unknown), rule.entity),
                ),
                recommendation="None.",
            )
        )
    return out


def evaluate_policies(rules: Sequence[PolicyRule], facts: GovernanceFacts) -> list[Finding]:
    """Apply every rule to every entity it selects; one finding per violation, or one info when it holds."""
    rows = policy_rows(facts)
    return [f for rule in rules for f in _rule_findings(rule, rows[rule.entity])]
