"""Route requests to discovery methods and check them the way Google's front end does.

Everything here is driven by the discovery documents bundled with google-api-python-client,
so the fake accepts exactly the methods, parameters and body fields that the real API knows.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import googleapiclient

from .errors import GoogleError, bad_request

DOCUMENTS_DIR = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"

# API name -> discovery document file; the URL prefix is "/" + the document's servicePath.
API_DOCUMENTS = {
    "sheets": "sheets.v4.json",
    "calendar": "calendar.v3.json",
    "drive": "drive.v3.json",
}

# Proto oneofs that the discovery format cannot express: schema id -> (oneof name, at most one,
# at least one).
_ONEOFS = {"Request": ("kind", True), "ExtendedValue": ("value", False)}

# Path parameters whose values may contain "/" (an A1 range such as 'a/b'!A1).
_SLASHY_PARAMETERS = frozenset({"range"})


@dataclass(frozen=True)
class Method:
    """One discovery method and the compiled template that finds it in a URL path."""

    id: str
    api: str
    http_method: str
    template: str
    regex: re.Pattern[str] = field(compare=False)
    literal_chars: int
    spec: dict[str, Any] = field(compare=False, repr=False)

    @property
    def request_schema(self) -> str | None:
        return self.spec.get("request", {}).get("$ref")


@functools.cache
def document(api: str) -> dict[str, Any]:
    return json.loads((DOCUMENTS_DIR / API_DOCUMENTS[api]).read_text(encoding="utf-8"))


def _compile(template: str) -> tuple[re.Pattern[str], int]:
    pattern = ""
    literal_chars = 0
    for piece in re.split(r"(\{\+?[^}]+\})", template):
        if piece.startswith("{"):
            name = piece.strip("{}+")
            wide = piece.startswith("{+") or name in _SLASHY_PARAMETERS
            pattern += f"(?P<{name}>{'.+' if wide else '[^/]+'})"
        else:
            pattern += re.escape(piece)
            literal_chars += len(piece)
    return re.compile(pattern), literal_chars


def _walk_methods(api: str, resource: dict[str, Any]) -> list[Method]:
    methods = []
    for spec in resource.get("methods", {}).values():
        template = spec.get("flatPath") or spec["path"]
        regex, literal_chars = _compile(template)
        methods.append(
            Method(spec["id"], api, spec["httpMethod"], template, regex, literal_chars, spec)
        )
    for child in resource.get("resources", {}).values():
        methods.extend(_walk_methods(api, child))
    return methods


@functools.cache
def methods_by_prefix() -> list[tuple[str, list[Method]]]:
    """(URL path prefix, methods) per API, longest prefix first."""
    table = []
    for api in API_DOCUMENTS:
        doc = document(api)
        table.append(("/" + doc["servicePath"], _walk_methods(api, doc)))
    return sorted(table, key=lambda item: -len(item[0]))


@functools.cache
def methods_by_id() -> dict[str, Method]:
    return {m.id: m for _, methods in methods_by_prefix() for m in methods}


class RouteError(GoogleError):
    """No discovery method serves this HTTP method and path (Google answers 404)."""


def route(http_method: str, raw_path: str) -> tuple[Method, dict[str, str]]:
    """Find the method for a request; path parameters come back percent-decoded."""
    for prefix, methods in methods_by_prefix():
        if not raw_path.startswith(prefix):
            continue
        rest = raw_path[len(prefix) :]
        candidates = []
        for method in methods:
            found = method.regex.fullmatch(rest)
            if found and method.http_method == http_method:
                candidates.append((method.literal_chars, method, found))
        if candidates:
            _, method, found = max(candidates, key=lambda c: c[0])
            return method, {k: unquote(v) for k, v in found.groupdict().items()}
    raise RouteError(
        404,
        f"The requested URL {raw_path} was not found on this server "
        f"(no discovery method serves {http_method} {raw_path}).",
    )


# ---------------------------------------------------------------------------------------------
# Parameters


def _rfc3339(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _check_scalar(name: str, value: str, spec: dict[str, Any]) -> str | None:
    """Why `value` is not a valid query/path value for `spec`, or None when it is fine."""
    kind = spec.get("type", "string")
    if kind == "boolean" and value.lower() not in ("true", "false"):
        return f"Invalid value '{value}' for boolean parameter '{name}'."
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return f"Invalid value '{value}' for integer parameter '{name}'."
        number = int(value)
        if "minimum" in spec and number < int(spec["minimum"]):
            return f"Invalid value '{value}' for '{name}': must be at least {spec['minimum']}."
        if "maximum" in spec and number > int(spec["maximum"]):
            return f"Invalid value '{value}' for '{name}': must be at most {spec['maximum']}."
    if kind == "number":
        try:
            float(value)
        except ValueError:
            return f"Invalid value '{value}' for number parameter '{name}'."
    if "enum" in spec and value not in spec["enum"]:
        return f"Invalid value at '{name}', \"{value}\" (allowed: {', '.join(spec['enum'])})."
    if spec.get("format") == "date-time" and _rfc3339(value) is None:
        return f"Bad Request: '{name}' must be an RFC3339 timestamp with offset, got '{value}'."
    pattern = spec.get("pattern") if spec.get("location") == "path" else None
    if pattern and not re.fullmatch(pattern, value):
        return f"Invalid value '{value}' for '{name}': does not match {pattern}."
    return None


def validate_parameters(
    method: Method, path_params: dict[str, str], query: dict[str, list[str]]
) -> None:
    """Reject unknown, mistyped, wrongly repeated or missing parameters (400)."""
    declared = method.spec.get("parameters", {})
    standard = document(method.api)["parameters"]
    for name, values in query.items():
        spec = declared.get(name) or standard.get(name)
        if spec is None or spec.get("location") == "path":
            raise bad_request(
                f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                f"parameter. Field '{name}' could not be found in request message.",
                location=name,
            )
        if len(values) > 1 and not spec.get("repeated"):
            raise bad_request(
                f"Query parameter '{name}' is not repeated but was given {len(values)} times.",
                location=name,
            )
        for value in values:
            problem = _check_scalar(name, value, spec)
            if problem:
                raise bad_request(problem, location=name)
    for name, spec in declared.items():
        if not spec.get("required"):
            continue
        if spec.get("location") == "path":
            value = path_params.get(name, "")
            if value == "":
                raise bad_request(f"Required path parameter '{name}' is empty.", location=name)
            problem = _check_scalar(name, value, spec)
            if problem:
                raise bad_request(problem, location=name)
        elif not query.get(name):
            raise bad_request(f"Required parameter: {name}", location=name)


# ---------------------------------------------------------------------------------------------
# Bodies


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)  # also accepts "NaN" and "Infinity", as proto3 JSON does
        except ValueError:
            return False
        return True
    return False


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _BodyChecker:
    def __init__(self, method: Method) -> None:
        self.method = method
        self.schemas: dict[str, Any] = document(method.api)["schemas"]

    def fail(self, path: str, message: str) -> GoogleError:
        error = bad_request(message)
        error.field_path = path  # type: ignore[attr-defined]
        return error

    def check(self, value: Any, schema: dict[str, Any], path: str) -> None:
        if value is None:  # JSON null means "unset" everywhere in Google's JSON mapping.
            return
        schema_id = None
        if "$ref" in schema:
            schema_id = schema["$ref"]
            schema = self.schemas[schema_id]
        kind = schema.get("type")
        if kind == "any":
            return
        if kind == "object" or "properties" in schema or "additionalProperties" in schema:
            self.check_object(value, schema, schema_id, path)
        elif kind == "array":
            if not isinstance(value, list):
                raise self.fail(path, f"Invalid value at '{path}': expected a list, got {value!r}.")
            for index, item in enumerate(value):
                self.check(item, schema.get("items", {}), f"{path}[{index}]")
        elif kind == "string":
            self.check_string(value, schema, path)
        elif kind == "integer":
            if not _is_integer(value):
                raise self.fail(path, f"Invalid value at '{path}' (TYPE_INT32), {value!r}")
        elif kind == "number":
            if not _is_number(value):
                raise self.fail(path, f"Invalid value at '{path}' (TYPE_DOUBLE), {value!r}")
        elif kind == "boolean" and not isinstance(value, bool):
            raise self.fail(path, f"Invalid value at '{path}' (TYPE_BOOL), {value!r}")

    def check_string(self, value: Any, schema: dict[str, Any], path: str) -> None:
        numeric_format = schema.get("format") in ("int64", "uint64", "double", "float")
        if not isinstance(value, str) and not (numeric_format and _is_number(value)):
            raise self.fail(path, f"Invalid value at '{path}' (TYPE_STRING), {value!r}")
        if schema.get("format") in ("int64", "uint64") and not _is_integer(value):
            raise self.fail(path, f"Invalid value at '{path}' (TYPE_INT64), {value!r}")
        if "enum" in schema and value not in schema["enum"]:
            raise self.fail(path, f"Invalid value at '{path}' (enum), \"{value}\"")

    def check_object(
        self, value: Any, schema: dict[str, Any], schema_id: str | None, path: str
    ) -> None:
        if not isinstance(value, dict):
            raise self.fail(path, f"Invalid value at '{path}': expected an object, got {value!r}.")
        properties = schema.get("properties", {})
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                self.check(item, properties[key], _child(path, key))
            elif additional is not None:
                self.check(item, additional, _child(path, key))
            else:
                where = f" at '{path}'" if path else ""
                raise self.fail(
                    _child(path, key),
                    f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find '
                    f"field. (field path: {_child(path, key)})",
                )
        for key, spec in properties.items():
            required_by = spec.get("annotations", {}).get("required", [])
            if self.method.id in required_by and value.get(key) is None:
                raise self.fail(_child(path, key), f"Missing required field: {_child(path, key)}")
        if schema_id in _ONEOFS:
            oneof, at_least_one = _ONEOFS[schema_id]
            set_fields = [k for k, v in value.items() if v is not None]
            if len(set_fields) > 1:
                raise self.fail(
                    path,
                    f"Invalid value at '{path}' (oneof), oneof field '{oneof}' is already set. "
                    f"Cannot set '{set_fields[1]}'",
                )
            if at_least_one and not set_fields:
                raise self.fail(path, f"Invalid {path or 'request'}: No request set.")


def validate_body(method: Method, body: Any) -> None:
    """Check a JSON body against the method's request schema; 400 naming the bad field path."""
    schema_id = method.request_schema
    if schema_id is None:
        return
    _BodyChecker(method).check({} if body is None else body, {"$ref": schema_id}, "")


def unknown_mask_field(api: str, schema_id: str, tree: dict[str, Any]) -> str | None:
    """The first path in a field mask that `schema_id` does not have, or None."""
    schemas = document(api)["schemas"]

    def walk(schema: dict[str, Any], sub: dict[str, Any], prefix: str) -> str | None:
        while True:
            if "$ref" in schema:
                schema = schemas[schema["$ref"]]
            elif schema.get("type") == "array":
                schema = schema.get("items", {})
            else:
                break
        properties = schema.get("properties", {})
        additional = schema.get("additionalProperties")
        for key, child in sub.items():
            path = f"{prefix}.{key}" if prefix else key
            if key == "*":
                continue
            if key in properties:
                spec = properties[key]
            elif additional is not None:
                spec = additional
            else:
                return path
            if child is not None:
                found = walk(spec, child, path)
                if found:
                    return found
        return None

    return walk({"$ref": schema_id}, tree, "")


def validate_fields_parameter(method: Method, mask: str) -> None:
    """`fields` must parse and name fields of the response (Google: "Invalid field selection")."""
    from . import fieldmask

    try:
        tree = fieldmask.parse(mask)
    except ValueError:
        raise bad_request(f"Invalid field selection {mask}", location="fields") from None
    response = method.spec.get("response", {}).get("$ref")
    unknown = unknown_mask_field(method.api, response, tree) if response else None
    if unknown:
        raise bad_request(f"Invalid field selection {unknown}", location="fields")
