"""OpenAPI document details: the problem+json error shape and self-hosted docs assets."""

from __future__ import annotations

from typing import Any

from apiflask import APIFlask

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "additionalProperties": True,
}


def init_openapi(app: APIFlask, *, docs_assets: str) -> None:
    app.config.update(
        HTTP_ERROR_SCHEMA=PROBLEM_SCHEMA,
        VALIDATION_ERROR_SCHEMA=PROBLEM_SCHEMA,
        VALIDATION_ERROR_DESCRIPTION="Validation error (problem+json, `errors` names each field)",
        SWAGGER_UI_CSS=f"{docs_assets}/swagger-ui.css",
        SWAGGER_UI_BUNDLE_JS=f"{docs_assets}/swagger-ui-bundle.js",
        SWAGGER_UI_STANDALONE_PRESET_JS=f"{docs_assets}/swagger-ui-standalone-preset.js",
        DOCS_FAVICON=f"{docs_assets}/favicon-32x32.png",
        INFO={
            "description": "Fairfield: in-store audit missions, claimed, evidenced, validated "
            "and fairly paid. Errors are RFC 9457 application/problem+json."
        },
    )

    @app.spec_processor
    def _problem_content(spec: Any) -> Any:
        # Error responses are problem+json, not plain JSON: say so, so clients and
        # schemathesis check the real content type.
        for path_item in spec.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict):
                    continue
                responses = operation.setdefault("responses", {})
                # Any input may be refused with a 422 (see backend/guards.py): say so.
                if (operation.get("parameters") or operation.get("requestBody")) and (
                    "422" not in responses
                ):
                    responses["422"] = {
                        "description": "Validation error",
                        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
                    }
                for status, response in responses.items():
                    content = response.get("content")
                    if (
                        str(status).startswith(("4", "5"))
                        and content
                        and "application/json" in content
                    ):
                        content["application/problem+json"] = content.pop("application/json")
        return spec
