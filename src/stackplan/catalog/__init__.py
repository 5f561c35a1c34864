"""Dated, sourced data shipped with Stackplan, and its loaders."""

from stackplan.catalog.accelerators import Accelerator, accelerator_ids, get_accelerator, list_accelerators
from stackplan.models.loader import CatalogModel, get_model, list_models, model_ids

#: Version of the shipped catalogue; a plan records it so it can be reproduced.
CATALOG_VERSION = "2026.11.26"

__all__ = [
    "CATALOG_VERSION",
    "Accelerator",
    "CatalogModel",
    "accelerator_ids",
    "get_accelerator",
    "get_model",
    "list_accelerators",
    "list_models",
    "model_ids",
]
