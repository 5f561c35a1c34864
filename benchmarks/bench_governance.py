"""Speed of the governance assessment: facts file and a planned example scenario."""

from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _time(label: str, fn: object, repeats: int = 20) -> None:
    start = time.perf_counter()
    for _ in range(repeats):
        fn()  # type: ignore[operator]
    print(f"{label}: {(time.perf_counter() - start) / repeats * 1000:.1f} ms per run")


def main() -> None:
    from stackplan.governance import assess
    from stackplan.governance.load import load_check_input

    facts, rules = load_check_input(
        ROOT / "examples/governance/facts_eu_saas.yaml", ROOT / "examples/governance/policies.yaml"
    )
    _time("assess(facts_eu_saas + 4 policies)", lambda: assess(facts, rules))
    from stackplan.governance.adapter import facts_from_plan
    from stackplan.plan import build_plan

    plan = build_plan(ROOT / "examples/enterprise_research.yaml")
    _time("facts_from_plan + assess (enterprise_research)", lambda: assess(facts_from_plan(plan)), repeats=5)


if __name__ == "__main__":
    main()
