"""The accelerator catalogue: published specifications of AI accelerators."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from stackplan.catalog._files import read_table
from stackplan.catalog.names import resolve_accelerator_id
from stackplan.errors import InvalidInputError, UnknownIdError

__all__ = ["Accelerator", "Precision", "accelerator_ids", "get_accelerator", "list_accelerators"]

Precision = Literal["bf16", "fp8", "fp4"]

#: Bytes per element of each numeric precision [B].
BYTES_PER_ELEMENT: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "fp4": 0.5,
    "int4": 0.5,
}


@dataclass(frozen=True, kw_only=True)
class Accelerator:
    """One accelerator (per device figures; dense, no sparsity).

    Attributes
    ----------
    peak_tflops_bf16, peak_tflops_fp8, peak_tflops_fp4
        Dense peak matrix throughput [TFLOP/s]; ``None`` where the chip has no such mode.
    hbm_gb
        High-bandwidth memory capacity [GB, 1e9 B].
    hbm_bandwidth_tb_s
        Peak HBM bandwidth [TB/s].
    scaleup_bandwidth_gb_s
        Scale-up (NVLink, ICI, XGMI, NeuronLink) bandwidth per device, one direction [GB/s].
    scaleup_domain_size
        Devices in one scale-up domain (8 for HGX, 72 for NVL72, the pod for TPUs) [-].
    scaleup_topology
        ``switch`` (all-to-all at full bandwidth), ``mesh`` (point-to-point links),
        ``torus-2d`` or ``torus-3d``.
    scaleout_bandwidth_gb_s
        Scale-out network (InfiniBand, RoCE, EFA, DCN) bandwidth per device, one direction [GB/s].
    tdp_w
        Thermal design power per device [W].
    matmul_efficiency
        Measured (or stated assumed) maximum achievable fraction of bf16 peak for large matmuls [-].
    memory_bandwidth_efficiency
        Achievable fraction of peak HBM bandwidth for streaming reads [-].
    """

    id: str
    name: str
    vendor: str
    kind: str
    peak_tflops_bf16: float
    peak_tflops_fp8: float | None
    peak_tflops_fp4: float | None
    hbm_gb: float
    hbm_bandwidth_tb_s: float
    scaleup_bandwidth_gb_s: float
    scaleup_domain_size: int
    scaleup_topology: str
    scaleout_bandwidth_gb_s: float
    tdp_w: float
    matmul_efficiency: float
    matmul_efficiency_source: str
    memory_bandwidth_efficiency: float
    release_year: int
    source: str
    source_date: str

    @property
    def hbm_gib(self) -> float:
        """HBM capacity [GiB]."""
        return self.hbm_gb * 1e9 / 2**30

    def peak_tflops(self, precision: str) -> float:
        """Dense peak [TFLOP/s] at ``precision``; falls back to the fastest supported lower mode.

        A chip without fp8 runs fp8-quantised matmuls at its bf16 rate (weights are upcast), and a
        chip without fp4 runs fp4 at its fp8 rate. This mirrors how frameworks run such formats
        (weight-only quantisation): memory saved, compute not faster. ``int4`` is weight-only INT4
        (W4A16: GPTQ/AWQ/compressed-tensors checkpoints through Marlin kernels): bf16 matmuls.
        """
        if precision == "int4":
            return self.peak_tflops_bf16
        if precision == "fp4":
            return self.peak_tflops_fp4 or self.peak_tflops_fp8 or self.peak_tflops_bf16
        if precision == "fp8":
            return self.peak_tflops_fp8 or self.peak_tflops_bf16
        if precision in ("bf16", "fp16"):
            return self.peak_tflops_bf16
        raise InvalidInputError(
            "--precision", "unsupported precision", precision, "use bf16, fp8, fp4 or int4"
        )

    def supports(self, precision: str) -> bool:
        """Whether the chip has native matrix units for ``precision``."""
        return {
            "bf16": True,
            "fp16": True,
            "fp8": self.peak_tflops_fp8 is not None,
            "fp4": self.peak_tflops_fp4 is not None,
        }.get(precision, False)


def _opt(value: str) -> float | None:
    return float(value) if value.strip() else None


@cache
def list_accelerators() -> tuple[Accelerator, ...]:
    """All accelerators in the catalogue, in file order."""
    table = read_table("accelerators.csv", required=("id", "source", "source_date"))
    out = []
    for r in table.rows:
        out.append(
            Accelerator(
                id=r["id"],
                name=r["name"],
                vendor=r["vendor"],
                kind=r["kind"],
                peak_tflops_bf16=float(r["peak_tflops_bf16"]),
                peak_tflops_fp8=_opt(r["peak_tflops_fp8"]),
                peak_tflops_fp4=_opt(r["peak_tflops_fp4"]),
                hbm_gb=float(r["hbm_gb"]),
                hbm_bandwidth_tb_s=float(r["hbm_bandwidth_tb_s"]),
                scaleup_bandwidth_gb_s=float(r["scaleup_bandwidth_gb_s"]),
                scaleup_domain_size=int(r["scaleup_domain_size"]),
                scaleup_topology=r["scaleup_topology"],
                scaleout_bandwidth_gb_s=float(r["scaleout_bandwidth_gb_s"]),
                tdp_w=float(r["tdp_w"]),
                matmul_efficiency=float(r["matmul_efficiency"]),
                matmul_efficiency_source=r["matmul_efficiency_source"],
                memory_bandwidth_efficiency=float(r["memory_bandwidth_efficiency"]),
                release_year=int(r["release_year"]),
                source=r["source"],
                source_date=r["source_date"],
            )
        )
    return tuple(out)


def accelerator_ids() -> list[str]:
    """Ids of all catalogue accelerators."""
    return [a.id for a in list_accelerators()]


def get_accelerator(accelerator_id: str, *, field: str = "--accelerator") -> Accelerator:
    """Look up an accelerator by id or a common other name (``h100``, ``trn2``, ``gb200-nvl72``:
    :mod:`stackplan.catalog.names`); unknown names raise :class:`UnknownIdError` with the closest ids."""
    ids = accelerator_ids()
    found = resolve_accelerator_id(accelerator_id, ids)
    for a in list_accelerators():
        if a.id == found:
            return a
    raise UnknownIdError(field, "accelerator", accelerator_id, ids)
