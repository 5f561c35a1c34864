"""Forgiving lookup of catalogue ids: the names people and other tools write for models and chips.

A catalogue id is matched exactly first. Failing that, the name is normalised (lower case,
``_`` and spaces as ``-``, a Hugging Face organisation prefix dropped, chat/instruct and checkpoint
suffixes dropped, ``llama3.1`` spelled ``llama-3.1``) and looked up again, and for accelerators
the common marketing and cloud names are mapped to the catalogue's (``h100`` -> ``h100-sxm``,
``trn2`` -> ``trainium2``, ``gb200-nvl72`` -> ``gb200``). A name that still matches nothing, or
more than one id, is an error that lists the closest ids: the lookup never guesses between two.
"""

from __future__ import annotations

import re

#: Other names of catalogue accelerators, normalised (see :func:`normalise`) [-]. Every target must
#: be a catalogue id (checked by the tests).
ACCELERATOR_ALIASES: dict[str, str] = {
    "a100": "a100-sxm-80gb",
    "a100-80gb": "a100-sxm-80gb",
    "a100-sxm": "a100-sxm-80gb",
    "a100-sxm4": "a100-sxm-80gb",
    "a100-sxm4-80gb": "a100-sxm-80gb",
    "h100": "h100-sxm",
    "h100-80gb": "h100-sxm",
    "h100-sxm5": "h100-sxm",
    "h100-sxm-80gb": "h100-sxm",
    "h100-sxm5-80gb": "h100-sxm",
    "h200-sxm": "h200",
    "h200-141gb": "h200",
    "h200-sxm-141gb": "h200",
    "h200nvl": "h200-nvl",
    "h100nvl": "h100-nvl",
    "h100-nvl-94gb": "h100-nvl",
    "gh200-144gb": "gh200",
    "gh200-grace-hopper": "gh200",
    "grace-hopper": "gh200",
    "b200-sxm": "b200",
    "b200-180gb": "b200",
    "b200-sxm-180gb": "b200",
    "hgx-b200": "b200",
    "dgx-b200": "b200",
    "b300-sxm": "b300",
    "hgx-b300": "b300",
    "gb200-nvl72": "gb200",
    "gb200-nvl": "gb200",
    "gb300-nvl72": "gb300",
    "gb300-nvl": "gb300",
    "rtx-pro-6000-blackwell": "rtx-pro-6000",
    "rtx-pro-6000-server": "rtx-pro-6000",
    "rtx-pro-6000-blackwell-server-edition": "rtx-pro-6000",
    "rtxpro6000": "rtx-pro-6000",
    "l40s-48gb": "l40s",
    "l4-24gb": "l4",
    "mi300": "mi300x",
    "mi300x-192gb": "mi300x",
    "mi325x-256gb": "mi325x",
    "mi355x-288gb": "mi355x",
    "mi350x-288gb": "mi350x",
    "v4": "tpu-v4",
    "v5e": "tpu-v5e",
    "tpu-v5-lite": "tpu-v5e",
    "tpu-v5litepod": "tpu-v5e",
    "v5p": "tpu-v5p",
    "v6e": "tpu-v6e",
    "trillium": "tpu-v6e",
    "tpu-trillium": "tpu-v6e",
    "trn2": "trainium2",
    "trainium-2": "trainium2",
    "gaudi-3": "gaudi3",
    "hl-325l": "gaudi3",
}

#: Suffixes of checkpoint names that do not change the architecture [-].
_MODEL_SUFFIXES = (
    "-instruct",
    "-chat",
    "-hf",
    "-base",
    "-it",
    "-fp8",
    "-fp4",
    "-nvfp4",
    "-fp8-dynamic",
    "-v0.1",
    "-v0.3",
)


def normalise(name: str) -> str:
    """Lower case, ``_`` and spaces as ``-``, the organisation prefix (``org/``) dropped."""
    text = name.strip().lower().replace("_", "-").replace(" ", "-")
    return text.rsplit("/", 1)[-1]


def model_candidates(name: str) -> list[str]:
    """Normalised spellings of a model name to try against the catalogue, most literal first."""
    text = normalise(name)
    out = [text]
    if text.startswith("meta-llama-"):
        text = text[len("meta-") :]
        out.append(text)
    spaced = re.sub(r"^llama(\d)", r"llama-\1", text)
    if spaced != text:
        text = spaced
        out.append(text)
    changed = True
    while changed:
        changed = False
        for suffix in _MODEL_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                out.append(text)
                changed = True
    return out


def resolve_model_id(name: str, ids: list[str]) -> str | None:
    """The catalogue model id ``name`` stands for, or None where it matches none."""
    if name in ids:
        return name
    return next((c for c in model_candidates(name) if c in ids), None)


def resolve_accelerator_id(name: str, ids: list[str]) -> str | None:
    """The catalogue accelerator id ``name`` stands for, or None where it matches none."""
    if name in ids:
        return name
    text = normalise(name)
    if text in ids:
        return text
    target = ACCELERATOR_ALIASES.get(text)
    return target if target in ids else None
