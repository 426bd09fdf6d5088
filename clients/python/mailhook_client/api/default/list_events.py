from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.event_page import EventPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    recipient: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    event: str | Unset = UNSET,
    message_id: str | Unset = UNSET,
    tag: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["recipient"] = recipient

    params["domain"] = domain

    params["region"] = region

    params["type"] = type_

    params["event"] = event

    params["message_id"] = message_id

    params["tag"] = tag

    params["since"] = since

    params["until"] = until

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/events",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | EventPage:
    if response.status_code == 200:
        response_200 = EventPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | EventPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    recipient: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    event: str | Unset = UNSET,
    message_id: str | Unset = UNSET,
    tag: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> Response[Error | EventPage]:
    """Events, newest first.

    Args:
        recipient (str | Unset):
        domain (str | Unset):
        region (str | Unset):
        type_ (str | Unset):
        event (str | Unset):
        message_id (str | Unset):
        tag (str | Unset):
        since (str | Unset):
        until (str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventPage]
    """

    kwargs = _get_kwargs(
        recipient=recipient,
        domain=domain,
        region=region,
        type_=type_,
        event=event,
        message_id=message_id,
        tag=tag,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    recipient: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    event: str | Unset = UNSET,
    message_id: str | Unset = UNSET,
    tag: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> Error | EventPage | None:
    """Events, newest first.

    Args:
        recipient (str | Unset):
        domain (str | Unset):
        region (str | Unset):
        type_ (str | Unset):
        event (str | Unset):
        message_id (str | Unset):
        tag (str | Unset):
        since (str | Unset):
        until (str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventPage
    """

    return sync_detailed(
        client=client,
        recipient=recipient,
        domain=domain,
        region=region,
        type_=type_,
        event=event,
        message_id=message_id,
        tag=tag,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    recipient: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    event: str | Unset = UNSET,
    message_id: str | Unset = UNSET,
    tag: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> Response[Error | EventPage]:
    """Events, newest first.

    Args:
        recipient (str | Unset):
        domain (str | Unset):
        region (str | Unset):
        type_ (str | Unset):
        event (str | Unset):
        message_id (str | Unset):
        tag (str | Unset):
        since (str | Unset):
        until (str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventPage]
    """

    kwargs = _get_kwargs(
        recipient=recipient,
        domain=domain,
        region=region,
        type_=type_,
        event=event,
        message_id=message_id,
        tag=tag,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    recipient: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    event: str | Unset = UNSET,
    message_id: str | Unset = UNSET,
    tag: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> Error | EventPage | None:
    """Events, newest first.

    Args:
        recipient (str | Unset):
        domain (str | Unset):
        region (str | Unset):
        type_ (str | Unset):
        event (str | Unset):
        message_id (str | Unset):
        tag (str | Unset):
        since (str | Unset):
        until (str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventPage
    """

    return (
        await asyncio_detailed(
            client=client,
            recipient=recipient,
            domain=domain,
            region=region,
            type_=type_,
            event=event,
            message_id=message_id,
            tag=tag,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
