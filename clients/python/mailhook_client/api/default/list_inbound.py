from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.inbound_page import InboundPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    recipient: str | Unset = UNSET,
    sender: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    region: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["recipient"] = recipient

    params["sender"] = sender

    params["since"] = since

    params["until"] = until

    params["limit"] = limit

    params["cursor"] = cursor

    params["region"] = region

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/inbound",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | InboundPage:
    if response.status_code == 200:
        response_200 = InboundPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | InboundPage]:
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
    sender: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    region: str | Unset = UNSET,
) -> Response[Error | InboundPage]:
    """Inbound messages, newest first by received_at.

    Args:
        recipient (str | Unset):
        sender (str | Unset):
        since (str | Unset):
        until (str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        region (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | InboundPage]
    """

    kwargs = _get_kwargs(
        recipient=recipient,
        sender=sender,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
        region=region,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    recipient: str | Unset = UNSET,
    sender: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    region: str | Unset = UNSET,
) -> Error | InboundPage | None:
    """Inbound messages, newest first by received_at.

    Args:
        recipient (str | Unset):
        sender (str | Unset):
        since (str | Unset):
        until (str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        region (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | InboundPage
    """

    return sync_detailed(
        client=client,
        recipient=recipient,
        sender=sender,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
        region=region,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    recipient: str | Unset = UNSET,
    sender: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    region: str | Unset = UNSET,
) -> Response[Error | InboundPage]:
    """Inbound messages, newest first by received_at.

    Args:
        recipient (str | Unset):
        sender (str | Unset):
        since (str | Unset):
        until (str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        region (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | InboundPage]
    """

    kwargs = _get_kwargs(
        recipient=recipient,
        sender=sender,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
        region=region,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    recipient: str | Unset = UNSET,
    sender: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    region: str | Unset = UNSET,
) -> Error | InboundPage | None:
    """Inbound messages, newest first by received_at.

    Args:
        recipient (str | Unset):
        sender (str | Unset):
        since (str | Unset):
        until (str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        region (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | InboundPage
    """

    return (
        await asyncio_detailed(
            client=client,
            recipient=recipient,
            sender=sender,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
            region=region,
        )
    ).parsed
