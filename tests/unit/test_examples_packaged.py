"""The example scenarios ship in the package (``stackplan.examples``) and equal the repository's ``examples/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackplan.examples import EXAMPLES_DIR, example_path, example_scenarios

REPO_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _yaml_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def test_packaged_examples_are_identical_to_the_repository_copies() -> None:
    packaged, repo = _yaml_files(EXAMPLES_DIR), _yaml_files(REPO_EXAMPLES)
    assert set(packaged) == set(repo), "copy examples/ to src/stackplan/examples/ (or back)"
    changed = [name for name in repo if packaged[name] != repo[name]]
    assert not changed, f"these differ between examples/ and src/stackplan/examples/: {changed}"
    assert {"enterprise_research", "eu_saas_inference", "frontier_lab"} <= set(example_scenarios())


def test_example_path_names_the_known_scenarios() -> None:
    assert (
        example_path("frontier_lab.yaml").read_bytes() == (REPO_EXAMPLES / "frontier_lab.yaml").read_bytes()
    )
    with pytest.raises(FileNotFoundError, match=r"enterprise_research\.yaml"):
        example_path("nope.yaml")


def test_service_offers_the_packaged_scenarios_only() -> None:
    from stackplan.service.planning import examples

    assert set(examples()) == {"enterprise_research", "eu_saas_inference", "frontier_lab"}
