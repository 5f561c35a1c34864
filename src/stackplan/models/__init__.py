"""Model architectures: the Stackplan model file, Hugging Face config import, counts."""

from stackplan.models.architecture import MLA, ModelArchitecture, MoE
from stackplan.models.loader import CatalogModel, get_model, list_models, model_ids, resolve_model

__all__ = [
    "MLA",
    "CatalogModel",
    "MoE",
    "ModelArchitecture",
    "get_model",
    "list_models",
    "model_ids",
    "resolve_model",
]
