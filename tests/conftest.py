"""Test-wide settings.

Hypothesis draws its examples from a fixed seed by default (profile ``ci``), so ``make test`` and CI
run the same cases every time and a property cannot turn red on a lucky draw. To search new cases,
run with ``HYPOTHESIS_PROFILE=explore`` (random draws; a failure prints the example to keep as a test).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
