"""OpenAPI document details: the problem+json error shape, limits as configured, one
component per schema."""

from __future__ import annotations

from typing import Any

import marshmallow
from apiflask import APIFlask
from apispec import APISpec
from apispec.ext.marshmallow.common import (
    get_unique_schema_name,
    make_schema_key,
    resolve_schema_instance,
)

from backend.campaigns.rules import PHOTOS_MAX
from backend.settings import Settings, settings_of

_WORDS = (
    "For people: in the request's Accept-Language where the words are worker-facing "
    "(en, fr, nl; English otherwise), named by the Content-Language header."
)

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string", "description": _WORDS},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": _WORDS},
        "code": {
            "type": "string",
            "description": "Stable, in every language: what clients branch on.",
        },
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "additionalProperties": True,
}


class FairfieldAPI(APIFlask):
    """APIFlask that registers each schema once in the document, however it is first met."""

    def _register_schema_and_get_ref(
        self, spec: APISpec, registered_schema_classes: dict[int, str], schema_obj: Any
    ) -> dict[str, Any]:
        # APIFlask remembers the schemas it registered for a view, but not those the
        # marshmallow plugin registered on meeting them nested (MissionListOut.items): it then
        # added MissionOut again as MissionOut1. The plugin's own refs are the one register.
        plugin = getattr(self, "_ma_plugin", None)
        if plugin is None or not _is_marshmallow(schema_obj):
            return super()._register_schema_and_get_ref(spec, registered_schema_classes, schema_obj)
        instance = resolve_schema_instance(schema_obj)
        key = make_schema_key(instance)
        if key not in plugin.converter.refs:
            if _cut_down(instance):
                # A cut-down view of a schema (AppealOut with `only`) has no name of its
                # own: say its shape where it is used rather than invent AppealOut1.
                inline: dict[str, Any] = plugin.converter.schema2jsonschema(instance)
                return inline
            # The resolver is typed for classes, and APIFlask passes it instances as well.
            resolved = self.schema_name_resolver(instance)  # type: ignore[arg-type]
            name = get_unique_schema_name(spec.components, resolved)
            spec.components.schema(name, schema=instance)
        return {"$ref": f"#/components/schemas/{plugin.converter.refs[key]}"}

    def _make_tags(self) -> list[dict[str, Any]]:
        # Blueprints of two packages may document under one tag (the caller's account is
        # served by accounts and privacy): the document lists each tag once, where first met.
        tags: list[dict[str, Any]] = []
        for tag in super()._make_tags():
            if tag not in tags:
                tags.append(tag)
        return tags


def _cut_down(instance: marshmallow.Schema) -> bool:
    """Whether a view narrowed this schema beyond what its class says (its Meta options)."""
    opts = instance.opts
    return bool(instance.only) or any(
        set(getattr(instance, m)) != set(getattr(opts, m))
        for m in ("exclude", "load_only", "dump_only")
    )


def _is_marshmallow(schema_obj: Any) -> bool:
    if isinstance(schema_obj, type):
        return issubclass(schema_obj, marshmallow.Schema)
    return isinstance(schema_obj, marshmallow.Schema)


def configured_limits(settings: Settings) -> dict[tuple[str, str], dict[str, int]]:
    """(schema, property) -> the JSON Schema bounds that settings put on it.

    A setting can only tighten what the schema itself allows, as the server checks both."""
    photos = settings.submission_max_photos
    return {
        # A campaign asking for more photos than a submission may carry could never be done.
        ("CampaignIn", "photos_required"): {"maximum": min(PHOTOS_MAX, photos)},
        ("SubmissionForm", "photos"): {"maxItems": photos},
        ("ResumableSubmissionIn", "photos"): {"maxItems": photos},
        ("PhotoDeclared", "size"): {"maximum": settings.photo_max_bytes},
    }


def _apply_limits(spec: dict[str, Any], settings: Settings) -> None:
    schemas = spec.get("components", {}).get("schemas", {})
    limits = configured_limits(settings)
    # Every request shape that bounds photos_required (a campaign created or edited) is bound
    # by the same setting; answers, which state no bound, are left as they are.
    for name, schema in schemas.items():
        if "maximum" in schema.get("properties", {}).get("photos_required", {}):
            limits.setdefault((name, "photos_required"), limits[("CampaignIn", "photos_required")])
    for (name, prop), bounds in limits.items():
        field = schemas.get(name, {}).get("properties", {}).get(prop)
        if field is None or field.get("readOnly"):
            continue
        for keyword, value in bounds.items():
            field[keyword] = min(field.get(keyword, value), value)


def _document_body_limit(spec: dict[str, Any], max_bytes: int) -> None:
    note = f"The body is over {max_bytes} bytes (FAIRFIELD_MAX_BODY_BYTES), whatever its framing"
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            if "413" in responses:
                responses["413"]["description"] += f"; or: {note}"
            else:
                responses["413"] = {
                    "description": note,
                    "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
                }


def init_openapi(app: APIFlask) -> None:
    app.config.update(
        HTTP_ERROR_SCHEMA=PROBLEM_SCHEMA,
        VALIDATION_ERROR_SCHEMA=PROBLEM_SCHEMA,
        VALIDATION_ERROR_DESCRIPTION="Validation error (problem+json, `errors` names each field)",
        INFO={
            "description": "Fairfield: in-store audit missions, claimed, evidenced, validated "
            "and fairly paid. Errors are RFC 9457 application/problem+json; their worker-facing "
            "`title` and `detail` follow Accept-Language (en, fr, nl), their `code` never changes."
        },
    )

    @app.spec_processor
    def _complete(spec: Any) -> Any:
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
        # The document is built per app, from this app's settings: it states the limits the
        # server enforces, not the defaults.
        _apply_limits(spec, settings_of(app))
        _document_body_limit(spec, settings_of(app).max_body_bytes)
        return spec
