"""The JSON API: one NinjaAPI, served at /api/, its OpenAPI document at /api/openapi.json.

Each capability adds its router here. Authentication: a personal API token
(`Authorization: Bearer acc_...`), or the browser session (with CSRF) for the portal's own use.
"""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Accord API",
    version="1",
    description="Fault tickets, return-to-service clocks and SLA data. See docs/api.md.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
