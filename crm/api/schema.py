"""The OpenAPI contract (/api/schema/) that integrations generate their clients from (SPEC §9).

- The schema is always generated in English, whoever asks: component and enum names come from
  serializer class names and settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"], descriptions and
  titles from English msgids, so a generated client's type names do not depend on the reader's language.
  (From the command line: `manage.py spectacular --lang en --fail-on-warn --file schema.yaml`.)
- One error component, `Error`, describes every error answer: `{"detail"}`, field errors
  (`{"<field>": ["message", ...]}`), bulk/'s record list (`errors`) and a duplicate's `existing`.
  `document_errors` (a postprocessing hook) adds 400/401/403/404/409 to every operation that does not
  document them itself.
- A serializer whose representation leaves fields out for some readers (the integration users'
  identity-only customers, the financial fields) names the fields always present in
  `schema_always_present`; the others are documented as optional.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

ERROR_COMPONENT = "Error"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Every error answer. `detail` says what went wrong. A 400 for bad input names each field at fault "
        "with its messages (`{\"name\": [\"This field is required.\"]}`, `non_field_errors` for the input "
        "as a whole; a field of a nested object or list maps to the same shape), and may have no `detail`. "
        "bulk/ lists every bad record in `errors`. A 409 for a duplicate archive names it in `existing`."
    ),
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in the user's language."},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
        "errors": {
            "type": "array",
            "description": "bulk/ only: every bad record, by its position in the batch.",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer", "nullable": True,
                              "description": "Position of the record in the array, from 0 (null: the batch)."},
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["index", "field", "message"],
            },
        },
        "existing": {
            "type": "object",
            "description": "409 for a duplicate: the archive already filed.",
            "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}},
        },
    },
    # A field's messages: a list of strings, or for a nested object or list the same shape again.
    "additionalProperties": {},
}

ERROR_DESCRIPTIONS = {
    "400": "Bad input: `detail` and/or the fields at fault with their messages.",
    "401": "No valid credentials: send `Authorization: Token <token>` (tokens expire) or sign in.",
    "403": "You may not do this.",
    "404": "No such object, or you may not read it.",
    "409": "Conflict: the object is not in a state that allows this, or it already exists.",
    "429": "Too many requests: wait and try again.",
}


def error_response(code: int, description: str | None = None) -> OpenApiResponse:
    """An error answer for @extend_schema(responses=...), shaped by the `Error` component."""
    # A reference, not a serializer: the component is written by document_errors (a serializer cannot say
    # "any other key is a field's messages"), and a view's own inline "Error" serializer is replaced by it.
    return OpenApiResponse(ERROR_REF, description=description or ERROR_DESCRIPTIONS[str(code)])


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema that honours a serializer's `schema_always_present` (the fields a
    representation always has: exactly those are required in the response shape) and states a list
    serializer's `max_length`/`min_length` as maxItems/minItems (bulk/'s batch limit)."""

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        present = getattr(serializer, "schema_always_present", None)
        if present is not None and direction == "response":
            required = [name for name in schema.get("properties", {}) if name in present]
            if required:
                schema["required"] = sorted(required)
            else:
                schema.pop("required", None)
        return schema

    def _unwrap_list_serializer(self, serializer, direction):
        schema = super()._unwrap_list_serializer(serializer, direction)
        if schema and schema.get("type") == "array" and isinstance(serializer, serializers.ListSerializer):
            if serializer.max_length is not None:
                schema["maxItems"] = serializer.max_length
            if serializer.min_length is not None:
                schema["minItems"] = serializer.min_length
        return schema


def _reference_enums(result) -> None:
    """A query parameter whose choices are a named enum refers to it, instead of an inline enum that a
    generator would name after the operation and the parameter's title."""
    schemas = result.get("components", {}).get("schemas", {})
    by_values = {}
    for name, schema in schemas.items():
        if "enum" in schema and schema.get("type") == "string":
            by_values.setdefault(frozenset(schema["enum"]), name)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                values = frozenset(value for value in schema.get("enum", []) if value not in (None, ""))
                if values and values in by_values:
                    parameter["schema"] = {"$ref": f"#/components/schemas/{by_values[values]}"}


def document_errors(result, generator, request, public):
    """Postprocessing hook: the `Error` component, and the error answers every operation can give."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_COMPONENT] = ERROR_SCHEMA
    _reference_enums(result)
    error_content = {"application/json": {"schema": ERROR_REF}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "put", "patch", "post", "delete"):
                continue
            anonymous = operation.get("security") == [{}]
            codes = ["400"] if anonymous else ["400", "401", "403", "404", "409"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code], "content": error_content})
            for code, response in responses.items():
                if code[0] in "45" and not response.get("content"):  # documented by a view with a text only
                    response["content"] = error_content
    return result
