"""Validation of the fake's traffic against Mailgun's official OpenAPI 3.1 description.

The spec (``/work/shared/mailgun/openapi.yaml``, ~740 KB) is parsed and patched ONCE per process
(``load_openapi`` is cached). Measured: ~0.3 s to parse (libyaml) and patch, the first validated
request ~30 ms (openapi-core resolves lazily), then ~3-4 ms per request, ~40 ms for a 1000-item JSON
bounce batch.

Paths in the spec carry their ``/v3`` / ``/v4`` prefix and the servers are the bare regional hosts
(``https://api.mailgun.net``, ``https://api.eu.mailgun.net``), so requests are presented to
openapi-core as if they had been sent to the real regional host: only the path, query, headers and
body of a request to 127.0.0.1 are compared with the spec.

Deviations from the published document, each because the document refuses a request that the real
Mailgun API accepts (the rest of the document is used as published, required fields included):

1. ``github.com-mailgun-mime-RFC822Time`` is declared ``type: object``; Mailgun sends and expects an
   RFC 2822 date *string* ("Thu, 11 Dec 2025 01:49:40 UTC"), as the spec's own examples show.
   It becomes ``type: string`` (suppression ``created_at`` in requests and responses).
2. The single-record suppression POSTs declare the media type ``application/form-data``, which no
   client sends; it is read as ``multipart/form-data``.
3. Form bodies: Mailgun accepts ``multipart/form-data`` and ``application/x-www-form-urlencoded``
   interchangeably (its own curl ``-F`` / ``-d`` and python ``data=`` examples), while the spec lists
   one or the other per operation. Each form operation gets both, with the same schema.
4. Form properties declared ``type: object`` (list member ``vars``) travel as JSON-encoded strings
   in a form; they are declared ``type: string`` and the fake checks the JSON itself.
5. ``GET /v3/{domain_name}/{bounces,complaints,unsubscribes}`` mark ``limit``/``page``/``term``/
   ``address`` query parameters as required; they are optional (a bare GET lists the first page).
6. ``POST /v3/lists/{list_address}/members.json`` declares ``members``/``upsert`` as query parameters
   only; Mailgun documents them as form fields (FACTS.md section 5). A form body is added and the query
   parameters become optional (the fake then requires ``members`` from one place or the other).
7. ``paging.next``/``previous`` of the Events API point at ``/v3/{domain}/events/{page_token}``
   (see the spec's own examples), a path the document does not declare. It is added as a copy of
   ``GET /v3/{domain_name}/events``.
10. ``LogsRequest`` (``POST /v1/analytics/logs``) lists ``duration`` as required, yet its own
    example, the official SDKs' examples and ``start``'s documented default ("1 day before current
    time") query by ``start``/``end`` alone; a required ``duration`` would make ``start``
    meaningless, since a duration "overwrites the start date". Nothing is required.

Two response schemas are loosened too; they only matter when the fake validates its own answers
(its unit tests), never for requests:

8. ``MessageObject`` (``message`` of an Events API item) requires ``headers``/``attachments``/``size``
   and ``headers.from``; the spec's own events examples for opened/clicked/unsubscribed carry only
   ``message.headers.message-id`` (so do real events). Only ``headers.message-id`` stays required.
9. ``GetMessageResponseBasicExample`` (a stored message) requires every field of its example,
   template headers included; real stored messages (payloads/…invoiceninja.json) and the
   ``Accept: message/rfc2822`` variant do not have them all. Nothing is required.

openapi-core casts form fields only for ``application/x-www-form-urlencoded`` bodies (a multipart
``subscribed=no`` would be refused as "not a boolean"), so multipart bodies without file parts are
re-encoded as urlencoded before validation; the media-type schemas are identical after patch 3.
"""

from __future__ import annotations

import copy
import threading
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.responses.exceptions import ResponseNotFound
from werkzeug.wrappers import Request, Response

SPEC_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "mailgun" / "openapi.yaml"

SERVER_URLS = {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}

_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
_RFC822 = "#/components/schemas/github.com-mailgun-mime-RFC822Time"

# openapi-core and jsonschema-path keep internal caches; the fake's server threads share one
# OpenAPI object, so validation is serialised (it costs a few ms, the fake is not a benchmark).
_LOCK = threading.Lock()


def _yaml_loader() -> type[yaml.SafeLoader]:
    # libyaml parses the 740 KB document ~10x faster than the pure-Python loader.
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def load_spec_dict() -> dict[str, Any]:
    """The patched spec as a plain dict (parsed once per process; do not mutate)."""
    with SPEC_PATH.open("rb") as fh:
        doc: dict[str, Any] = yaml.load(fh, Loader=_yaml_loader())  # noqa: S506 - safe loader
    _patch(doc)
    return doc


@cache
def load_openapi() -> OpenAPI:
    """One openapi-core object per process; the document's own validation is skipped here (the
    fake's unit tests run it once, it costs ~2 s)."""
    return OpenAPI(SchemaPath.from_dict(load_spec_dict()), config=Config(spec_validator_cls=None))


# -- patches (see module docstring) ------------------------------------------------------------


def _patch(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["github.com-mailgun-mime-RFC822Time"] = {"type": "string"}
    _inline_rfc822(doc)
    for item in doc["paths"].values():
        for op in item.values():
            if isinstance(op, dict):
                _patch_form_bodies(doc, op)
    for kind in ("bounces", "complaints", "unsubscribes"):
        for param in doc["paths"][f"/v3/{{domain_name}}/{kind}"]["get"]["parameters"]:
            if param["in"] == "query":
                param["required"] = False
    schemas = doc["components"]["schemas"]
    schemas["MessageObject"].pop("required", None)
    schemas["MessageObject"]["properties"]["headers"]["required"] = ["message-id"]
    schemas["github.com-mailgun-influx-httpapi-GetMessageResponseBasicExample"].pop("required", None)
    _patch_bulk_members(doc["paths"]["/v3/lists/{list_address}/members.json"]["post"])
    events = copy.deepcopy(doc["paths"]["/v3/{domain_name}/events"])
    events["get"]["operationId"] += "-page"
    events["get"]["parameters"].append(
        {"name": "page_token", "in": "path", "required": True, "schema": {"type": "string"}}
    )
    doc["paths"]["/v3/{domain_name}/events/{page_token}"] = events
    schemas["github.com-mailgun-logs-api-pkg-api-model-LogsRequest"].pop("required", None)


def _inline_rfc822(node: Any) -> None:
    """``{type: object, allOf: [RFC822Time]}`` -> ``{type: string}`` wherever it appears."""
    if isinstance(node, dict):
        all_of = node.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and all_of[0].get("$ref") == _RFC822:
            description = node.get("description")
            node.clear()
            node["type"] = "string"
            if description:
                node["description"] = description
            return
        for value in node.values():
            _inline_rfc822(value)
    elif isinstance(node, list):
        for value in node:
            _inline_rfc822(value)


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _patch_form_bodies(doc: dict[str, Any], op: dict[str, Any]) -> None:
    content = op.get("requestBody", {}).get("content")
    if not content:
        return
    if "application/form-data" in content:
        content["multipart/form-data"] = content.pop("application/form-data")
    present = [t for t in _FORM_TYPES if t in content]
    if not present:
        return
    media = copy.deepcopy(content[present[0]])
    media.pop("encoding", None)  # urlencoded "form/explode" is also the multipart default
    schema = copy.deepcopy(_resolve(doc, media.get("schema", {})))
    for name, prop in list(schema.get("properties", {}).items()):
        if _resolve(doc, prop).get("type") == "object":
            schema["properties"][name] = {"type": "string", "contentMediaType": "application/json"}
    media["schema"] = schema
    for form_type in _FORM_TYPES:
        content[form_type] = copy.deepcopy(media)


def _patch_bulk_members(op: dict[str, Any]) -> None:
    for param in op["parameters"]:
        if param["in"] == "query":
            param["required"] = False
    form = {
        "schema": {
            "type": "object",
            "properties": {
                "members": {"type": "string", "contentMediaType": "application/json"},
                "upsert": {"type": "boolean"},
            },
            "required": ["members"],
        }
    }
    op["requestBody"] = {"required": False, "content": {t: copy.deepcopy(form) for t in _FORM_TYPES}}


# -- validation --------------------------------------------------------------------------------


class _RegionalRequest(WerkzeugOpenAPIRequest):
    """A request to the fake, presented as sent to the real regional API host."""

    def __init__(self, request: Request, region: str) -> None:
        super().__init__(request)
        self._server = SERVER_URLS[region]
        self._form_body: bytes | None = None
        if request.mimetype == "multipart/form-data":
            pairs = list(request.form.items(multi=True))
            self._form_body = urlencode(pairs).encode()

    @property
    def host_url(self) -> str:
        return self._server

    @property
    def body(self) -> bytes | None:
        if self._form_body is not None:
            return self._form_body
        return super().body

    @property
    def content_type(self) -> str:
        if self._form_body is not None:
            return "application/x-www-form-urlencoded"
        return super().content_type


def describe_error(exc: BaseException) -> str:
    """A one-line reason, with JSON-schema details (path: message) when there are some."""
    head = str(exc).split(": Value ", 1)[0]
    cause: BaseException | None = exc
    while cause is not None:
        schema_errors = list(getattr(cause, "schema_errors", None) or [])
        if schema_errors:
            details = "; ".join(f"{e.json_path}: {e.message}" for e in schema_errors)
            return f"{head}: {details}"
        cause = cause.__cause__
    if exc.__cause__ is not None and str(exc.__cause__) not in head:
        return f"{head}: {exc.__cause__}"
    return head


def request_problem(request: Request, region: str) -> str | None:
    """None if the spec accepts the request, else why not."""
    # Validation only: openapi-core's unmarshalling (cast + build) costs 20x more on big bodies
    # (~0.6 s vs ~30 ms for a 1000-item bounce batch) and the handlers parse the body themselves.
    with _LOCK:
        errors = list(load_openapi().iter_request_errors(_RegionalRequest(request, region)))
    if not errors:
        return None
    return "; ".join(describe_error(e) for e in errors)


def response_problem(request: Request, response: Response, region: str) -> str | None:
    """None if the spec accepts the response, or has nothing to say about it: no such operation
    (the request was refused already) or no response documented for that status code (e.g. the 404
    of GET list member, which Mailgun sends anyway)."""
    with _LOCK:
        errors = list(
            load_openapi().iter_response_errors(
                _RegionalRequest(request, region), WerkzeugOpenAPIResponse(response)
            )
        )
    problems = [e for e in errors if not isinstance(e, (ResponseNotFound, PathError))]
    if not problems:
        return None
    return "; ".join(describe_error(e) for e in problems)


def validate_spec_document() -> None:
    """Validate the patched document as OAS 3.1 (raises on error; ~2 s, for the unit tests)."""
    from openapi_spec_validator import validate

    validate(copy.deepcopy(load_spec_dict()))
