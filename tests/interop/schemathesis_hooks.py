"""Schemathesis hooks for the locker server's conformance run (see schemathesis.toml)."""

import json

import schemathesis

UPLOAD = "/api/v1/uploads/{id}"


@schemathesis.serializer("application/offset+octet-stream")
def tus_chunk(ctx, value):
    """A tus PATCH body is raw bytes: bytes (or schemathesis's binary values) are sent as they
    are, text as UTF-8, anything else as its JSON text."""
    if isinstance(value, bytes):
        return value
    if isinstance(getattr(value, "data", None), bytes):
        return value.data
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value).encode()


@schemathesis.hook
def before_load_schema(context, raw_schema):
    """Follow a new upload's `Location` to its HEAD, PATCH and DELETE, so stateful sequences
    reach real uploads. Schemathesis infers such links only towards a GET, which tus does not
    have, and the document cannot say "the id is the Location's last segment" in standard
    OpenAPI (`#regex:` is schemathesis's own extension, so it lives here, not in the document).
    """
    created = raw_schema["paths"]["/api/v1/uploads"]["post"]["responses"]["201"]
    pointer = UPLOAD.replace("/", "~1")
    links = created.setdefault("links", {})
    upload_id = "$response.header.Location#regex:/api/v1/uploads/([^/?#]+)$"
    for method in ("head", "patch", "delete"):
        links[f"{method.capitalize()}Upload"] = {
            "operationRef": f"#/paths/{pointer}/{method}",
            "parameters": {"id": upload_id},
        }
    # A new upload's offset is 0: the first PATCH starts there.
    links["PatchUpload"]["parameters"]["header.Upload-Offset"] = "0"
