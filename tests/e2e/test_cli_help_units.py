"""Units in brackets survive in --help (rich markup would swallow ``[tokens]`` as a tag).

Run as a real process: the in-process test runner formats help differently from a terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys


def _help(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "200", "TERM": "xterm-256color", "FORCE_COLOR": "1"}
    code = "from stackplan.cli import main; main()"
    out = subprocess.run(
        [sys.executable, "-c", code, *args, "--help"], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout


def test_training_help_shows_units_in_brackets() -> None:
    out = _help("predict", "training")
    assert "[tokens]" in out
    assert "[sequences]" in out


def test_inference_help_shows_units_in_brackets() -> None:
    assert "[ms]" in _help("predict", "inference")
