"""The multi-user planning service: REST API, web pages, saved scenarios and plan jobs.

Needs the ``service`` extra (``pip install 'stackplan[service]'``). Start it with ``stackplan serve`` or
build the ASGI app with :func:`create_app`.
"""

from stackplan.service.app import create_app

__all__ = ["create_app"]
