"""One OpenAPI document for the API, generated from the functions' own route declarations.

Each API function is a Powertools resolver that knows its routes; the gateway decides which
function serves which path. The document merges them and adds the two credentials of SPEC §11.
"""

from __future__ import annotations

import json
from typing import Any

SECURITY = {
    "channelKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
    "staffToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (Cognito ID token)"},
}


def document(city: str, api: str, apps: list[Any], staff_paths: set[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": f"12345 hotline API ({city})", "version": "1", "description": "SPEC §11 contract"},
        "servers": [{"url": api}],
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": SECURITY},
    }
    for app in apps:
        part = json.loads(app.get_openapi_json_schema(title="part", version="1"))
        for path, operations in part.get("paths", {}).items():
            scheme = "staffToken" if path in staff_paths else "channelKey"
            for op in operations.values():
                op["security"] = [{scheme: []}]
            doc["paths"].setdefault(path, {}).update(operations)
        doc["components"]["schemas"].update(part.get("components", {}).get("schemas", {}))
    return doc
