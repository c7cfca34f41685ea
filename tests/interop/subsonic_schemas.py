"""Checks /rest JSON answers against the vendored OpenSubsonic schemas (opensubsonic/).

Used by subsonic_clients.py on every answer the client libraries get. The schemas are
OpenAPI 3.0 schema objects, one per file, joined by relative file `$ref`s and without `$id`s
(opensubsonic/SOURCE.md): each root is given its file:// URI as `$id` and the registry reads
referenced files from disk, so every `$ref` resolves from its own file's folder. They use
only keywords JSON Schema 2020-12 has, and no `additionalProperties`: extra fields pass,
missing required ones, wrong types, out-of-range numbers and values outside an enum fail.
"""

import json
import pathlib
from functools import cache

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = pathlib.Path(__file__).resolve().parent / "opensubsonic"


def _load(path: pathlib.Path) -> Resource:
    return Resource.from_contents(
        json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT202012
    )


REGISTRY = Registry(retrieve=lambda uri: _load(pathlib.Path(uri.removeprefix("file://"))))


def schema_path(method: str) -> pathlib.Path:
    """`endpoints/<method>/<Method>Response.json`, or the bare envelope for empty answers."""
    own = ROOT / "endpoints" / method / f"{method[:1].upper()}{method[1:]}Response.json"
    return own if own.exists() else ROOT / "schemas" / "SubsonicResponse.json"


@cache
def _validator(path: pathlib.Path) -> Draft202012Validator:
    schema = {"$id": path.as_uri(), **json.loads(path.read_text(encoding="utf-8"))}
    # Formats ("date-time") are asserted, not just annotations (rfc3339-validator does it).
    return Draft202012Validator(schema, registry=REGISTRY, format_checker=FormatChecker())


def _leaves(error, status):
    """The errors that matter under a `oneOf` (success or failure): the branch the answer's
    status picks, all the way down."""
    if not error.context:
        yield error
        return
    branch = 0 if status == "ok" else 1
    chosen = [e for e in error.context if e.relative_schema_path[0] == branch]
    for sub in chosen or error.context:
        yield from _leaves(sub, status)


def violations(method: str, document) -> list[str]:
    """Each way a whole answer (`{"subsonic-response": ...}`) breaks its endpoint's schema,
    as `<JSON path>: <what is wrong>`; empty when it conforms."""
    if not isinstance(document, dict) or not isinstance(document.get("subsonic-response"), dict):
        return [f"$: no subsonic-response object in {str(document)[:200]}"]
    status = document["subsonic-response"].get("status")
    path = schema_path(method)
    found = []
    for error in _validator(path).iter_errors(document):
        for leaf in _leaves(error, status):
            found.append(f"{leaf.json_path}: {leaf.message[:300]} [{path.relative_to(ROOT)}]")
    return sorted(set(found))
