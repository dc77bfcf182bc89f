"""Helpers every resource controller uses: body, policy, refs, paging."""

import datetime
import json
from typing import Any
from typing import Callable
import uuid

import pecan

from barbican_certs.common import config
from barbican_certs.common import exception
from barbican_certs.common import policy
from barbican_certs.model import models
from barbican_certs.model import repositories

JSON = "application/json"


def host_href() -> str:
    """``[DEFAULT] host_href``, or the URL the client used."""
    href = config.CONF.host_href or pecan.request.host_url
    return href.rstrip("/")


def ref(collection: str, entity_id: str) -> str:
    """The absolute reference of an entity (SPEC section 3.1)."""
    return "%s/v1/%s/%s" % (host_href(), collection, entity_id)


def timestamp(value: datetime.datetime | None) -> str | None:
    """UTC ISO 8601 with microseconds and no offset."""
    if value is None:
        return None
    return value.isoformat(timespec="microseconds")


def check_uuid(value: str, entity: str) -> str:
    """Refuse an id that is not a UUID as not found."""
    try:
        uuid.UUID(value)
    except ValueError as err:
        raise exception.NotFound(entity=entity) from err
    return value


def enforce(action: str) -> None:
    policy.enforce(pecan.request.context, action)


def project() -> models.Project:
    """The calling project, created on its first request."""
    return repositories.ProjectRepo().get_or_create(
        pecan.request.context.project_id)


def load_json_body() -> dict[str, Any]:
    """The request body as a JSON object.

    :raises UnsupportedMediaType: the content type is not JSON.
    :raises MalformedJSON: the body is not a JSON object.
    """
    content_type = pecan.request.content_type or "(none)"
    if content_type != JSON:
        raise exception.UnsupportedMediaType(content_type=content_type,
                                             expected=[JSON])
    try:
        body = json.loads(pecan.request.body)
    except (ValueError, UnicodeDecodeError) as err:
        raise exception.MalformedJSON() from err
    if not isinstance(body, dict):
        raise exception.MalformedJSON()
    return body


def paged(collection: str, render: Callable[[Any], Any],
          lister: Callable[..., tuple[list[Any], int]],
          params: dict[str, Any], **filters: Any) -> dict[str, Any]:
    """One page of a collection with its total and next/previous refs."""
    offset, limit = repositories.clamp_paging(
        params.get("offset", 0),
        params.get("limit", config.CONF.api.default_limit_paging))
    items, total = lister(project().id, offset, limit, **filters)
    body: dict[str, Any] = {collection: [render(item) for item in items],
                            "total": total}
    base = "%s/v1/%s" % (host_href(), collection)
    if offset + limit < total:
        body["next"] = "%s?limit=%d&offset=%d" % (base, limit,
                                                  offset + limit)
    if offset > 0:
        body["previous"] = "%s?limit=%d&offset=%d" % (
            base, limit, max(offset - limit, 0))
    return body


def set_status(code: int) -> None:
    pecan.response.status = code


def method_not_allowed(*allowed: str) -> Callable[..., Any]:
    """A pecan handler answering 405 for the methods a resource lacks."""
    def handler(self: Any, *args: Any, **kwargs: Any) -> None:
        raise exception.MethodNotAllowed(method=pecan.request.method,
                                         allowed=list(allowed))
    return handler
