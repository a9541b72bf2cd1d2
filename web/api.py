"""The JSON API's objects and its OpenAPI document. OTHER TOOLS READ THESE; KEEP THEM STABLE.

``/api/windows`` returns the objects of ``zcwatch digest --format json`` (``JSON_KEYS``, in that order)
followed by their ids: ``id`` (the stored window version), ``notice_id``, ``committee_id`` (the id in
``/committees/{id}``), ``window_key`` (stable across re-extraction: the calendar's UID) and ``sequence``
(how often its dates changed), and ``reviewed`` (staff confirmed, corrected or added it: 人工核对).
``/api/notices`` returns ``zcwatch notices --format json`` with each
notice's ``id``; ``/api/status`` returns ``zcwatch status --format json``.
"""

from __future__ import annotations

from typing import Any

from core.vocabulary import WINDOW_KINDS
from notifier.digest._common import unique_windows
from notifier.digest.model import Digest, DigestEntry
from notifier.digest.render_json import JSON_KEYS, entry_to_json

from .board import committee_id

ID_KEYS = ("id", "notice_id", "committee_id", "window_key", "sequence", "reviewed")


def window_json(entry: DigestEntry) -> dict[str, Any]:
    out = entry_to_json(entry)
    out.update(
        id=entry.window_id,
        notice_id=entry.notice_id,
        committee_id=committee_id(entry.committee),
        window_key=entry.window_key,
        sequence=entry.sequence,
        reviewed=entry.reviewed,
    )
    return out


def windows_json(digest: Digest) -> list[dict[str, Any]]:
    """The digest's windows as ``zcwatch digest --format json`` lists them (each once), with ids."""
    windows = unique_windows(digest.open_now, digest.opening_soon, digest.recently_closed, digest.estimates)
    return [window_json(e) for e in windows]


def _nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


_WINDOW = {
    "type": "object",
    "required": [*JSON_KEYS, *ID_KEYS],
    "properties": {
        "committee": {"type": "string", "description": "as scraped (untrusted text)"},
        "kind": {"type": "string", "enum": list(WINDOW_KINDS)},
        "start": {**_nullable("string"), "description": "YYYY-MM-DD or YYYY-MM-DDTHH:MM, Asia/Shanghai"},
        "end": {**_nullable("string"), "description": "same; null when unknown"},
        "status": {"type": "string", "enum": ["upcoming", "open", "closed"]},
        "days_left": {
            **_nullable("integer"),
            "description": "days from today to the end; negative when closed",
        },
        "notice_url": {"type": "string", "description": "as scraped: check the scheme before following it"},
        "notice_title": {"type": "string"},
        "predicted": {"type": "boolean", "description": "estimated from last season's dates"},
        "id": _nullable("integer"),
        "notice_id": _nullable("integer"),
        "committee_id": {"type": "string"},
        "window_key": {"type": "string"},
        "sequence": {"type": "integer", "minimum": 0},
        "reviewed": {"type": "boolean", "description": "confirmed, corrected or added by staff (人工核对)"},
    },
}
_NOTICE = {
    "type": "object",
    "required": ["id", "url", "title", "published", "committee", "source", "changed_at", "windows"],
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string"},
        "title": {"type": "string"},
        "published": _nullable("string"),
        "committee": _nullable("string"),
        "source": {"type": "string"},
        "changed_at": _nullable("string"),
        "windows": {"type": "array", "items": {"type": "object"}},
    },
}
_FILTERS = [
    {
        "name": "committee",
        "in": "query",
        "required": False,
        "description": "only committees whose name contains this keyword (at most 50 characters)",
        "schema": {"type": "string", "maxLength": 50},
    },
    {
        "name": "kind",
        "in": "query",
        "required": False,
        "description": "only these steps (repeat the parameter for several)",
        "schema": {"type": "array", "items": {"type": "string", "enum": list(WINDOW_KINDS)}},
        "style": "form",
        "explode": True,
    },
]
_ERROR = {
    "description": "a filter that cannot be honoured",
    "content": {
        "application/json": {
            "schema": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
        }
    },
}


def _json_response(schema: dict[str, Any], what: str) -> dict[str, Any]:
    return {
        "200": {"description": what, "content": {"application/json": {"schema": schema}}},
        "304": {"description": "not modified (If-None-Match / If-Modified-Since)"},
    }


_STAFF_WINDOW = {
    "type": "object",
    "required": ["id", "window_key", "version", "status", "committee", "kind", "start", "end", "reviewed_by"],
    "properties": {
        "id": {"type": "integer", "description": "the stored version: act on this id next time"},
        "window_key": {"type": "string"},
        "version": {"type": "integer"},
        "status": {"type": "string", "enum": ["current", "superseded"]},
        "committee": {"type": "string"},
        "kind": {"type": "string", "enum": list(WINDOW_KINDS)},
        "start": _nullable("string"),
        "end": _nullable("string"),
        "notice_id": _nullable("integer"),
        "reviewed_by": _nullable("string"),
        "replaces": {**_nullable("integer"), "description": "PATCH: the id of the version it replaced"},
    },
}


def _body(required: list[str], *, notice_id: bool = False) -> dict[str, Any]:
    when = {**_nullable("string"), "description": "YYYY-MM-DD or YYYY-MM-DDTHH:MM, Asia/Shanghai"}
    props: dict[str, Any] = {
        "start": when,
        "end": when,
        "kind": {"type": "string", "enum": list(WINDOW_KINDS)},
        "committee": {"type": "string", "minLength": 1, "maxLength": 200},
        "note": {"type": "string", "maxLength": 500},
    }
    if notice_id:
        props["notice_id"] = {"type": "integer"}
    schema = {"type": "object", "required": required, "properties": props, "additionalProperties": False}
    return {"required": bool(required), "content": {"application/json": {"schema": schema}}}


def _staff_responses(ok: str, what: str) -> dict[str, Any]:
    return {
        ok: {"description": what, "content": {"application/json": {"schema": _STAFF_WINDOW}}},
        "400": _ERROR,
        "401": {"description": "no valid bearer token"},
        "404": {"description": "no such window"},
        "409": {"description": "that version has been replaced (the error names the current id)"},
        "422": {"description": "a value that cannot be used (an end before the start, an unknown kind)"},
    }


def _staff_paths() -> dict[str, Any]:
    wid = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    secured: list[dict[str, list[str]]] = [{"bearer": []}]
    return {
        "/api/windows/{id}": {
            "patch": {
                "summary": "staff: correct a window (any of start, end, kind, committee; note)",
                "security": secured,
                "parameters": wid,
                "requestBody": _body([]),
                "responses": _staff_responses("200", "the window as it now is (a new version if changed)"),
            },
            "delete": {
                "summary": "staff: dismiss a window (not a window at all): shown and told to nobody",
                "security": secured,
                "parameters": wid,
                "responses": _staff_responses("200", "the dismissed version"),
            },
        },
        "/api/windows/{id}/confirm": {
            "post": {
                "summary": "staff: confirm a window's dates as read (人工核对)",
                "security": secured,
                "parameters": wid,
                "responses": _staff_responses("200", "the window"),
            }
        },
    }


def openapi(version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``/api/*``, ``/calendar.ics``, ``/feed.atom`` and ``/healthz``."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "zcwatch",
            "version": version,
            "description": "Guangzhou title-review (职称) committee application windows, read from the HR "
            "bureau's committee notices. Dates are Asia/Shanghai local; the notice is the authority.",
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/api/windows": {
                "get": {
                    "summary": "open, upcoming, recently closed and estimated windows",
                    "parameters": _FILTERS,
                    "responses": {
                        **_json_response({"type": "array", "items": _WINDOW}, "windows, soonest first"),
                        "400": _ERROR,
                    },
                },
                "post": {
                    "summary": "staff: add a window by hand (a bearer token: zcwatch staff token NAME)",
                    "security": [{"bearer": []}],
                    "requestBody": _body(["committee", "kind"], notice_id=True),
                    "responses": _staff_responses("201", "the window added"),
                },
            },
            **_staff_paths(),
            "/api/notices": {
                "get": {
                    "summary": "stored notices, newest first",
                    "parameters": [
                        {
                            "name": "since",
                            "in": "query",
                            "required": False,
                            "description": "only notices published on or after this date",
                            "schema": {"type": "string", "format": "date"},
                        }
                    ],
                    "responses": {
                        **_json_response({"type": "array", "items": _NOTICE}, "notices"),
                        "400": _ERROR,
                    },
                }
            },
            "/api/status": {
                "get": {
                    "summary": "last crawls, open problems, next jobs, the delivery ledger's counts",
                    "responses": _json_response({"type": "object"}, "as `zcwatch status --format json`"),
                }
            },
            "/calendar.ics": {
                "get": {
                    "summary": "the windows as an iCalendar feed (RFC 5545) with reminders",
                    "parameters": _FILTERS,
                    "responses": {
                        "200": {"description": "text/calendar", "content": {"text/calendar": {}}},
                        "304": {"description": "not modified"},
                    },
                }
            },
            "/feed.atom": {
                "get": {
                    "summary": "new notices and window changes as an Atom feed",
                    "parameters": _FILTERS,
                    "responses": {
                        "200": {"description": "Atom", "content": {"application/atom+xml": {}}},
                        "304": {"description": "not modified"},
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "200 with the age of the last successful crawl; 503 when the database "
                    "cannot be read",
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {}}},
                        "503": {"description": "database unreadable", "content": {"application/json": {}}},
                    },
                }
            },
        },
    }
