from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.feed_page import FeedPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: str | Unset = UNSET,
    wait: int | Unset = 0,
    limit: int | Unset = 100,
    type_: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["after"] = after

    params["wait"] = wait

    params["limit"] = limit

    params["type"] = type_

    params["domain"] = domain

    params["region"] = region

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/feed",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | FeedPage:
    if response.status_code == 200:
        response_200 = FeedPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 410:
        response_410 = Error.from_dict(response.json())

        return response_410

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | FeedPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    wait: int | Unset = 0,
    limit: int | Unset = 100,
    type_: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
) -> Response[Error | FeedPage]:
    """Every stored event exactly once, in the order they became visible: follow `next_cursor` and nothing
    is ever missed, whatever order concurrent writers commit in. Late events (Mailgun retries, Events
    API recoveries, replayed dead letters) come at the end when stored, whatever their occurred_at.

    Args:
        after (str | Unset):
        wait (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        type_ (str | Unset):
        domain (str | Unset):
        region (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | FeedPage]
    """

    kwargs = _get_kwargs(
        after=after,
        wait=wait,
        limit=limit,
        type_=type_,
        domain=domain,
        region=region,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    wait: int | Unset = 0,
    limit: int | Unset = 100,
    type_: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
) -> Error | FeedPage | None:
    """Every stored event exactly once, in the order they became visible: follow `next_cursor` and nothing
    is ever missed, whatever order concurrent writers commit in. Late events (Mailgun retries, Events
    API recoveries, replayed dead letters) come at the end when stored, whatever their occurred_at.

    Args:
        after (str | Unset):
        wait (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        type_ (str | Unset):
        domain (str | Unset):
        region (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | FeedPage
    """

    return sync_detailed(
        client=client,
        after=after,
        wait=wait,
        limit=limit,
        type_=type_,
        domain=domain,
        region=region,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    wait: int | Unset = 0,
    limit: int | Unset = 100,
    type_: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
) -> Response[Error | FeedPage]:
    """Every stored event exactly once, in the order they became visible: follow `next_cursor` and nothing
    is ever missed, whatever order concurrent writers commit in. Late events (Mailgun retries, Events
    API recoveries, replayed dead letters) come at the end when stored, whatever their occurred_at.

    Args:
        after (str | Unset):
        wait (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        type_ (str | Unset):
        domain (str | Unset):
        region (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | FeedPage]
    """

    kwargs = _get_kwargs(
        after=after,
        wait=wait,
        limit=limit,
        type_=type_,
        domain=domain,
        region=region,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    wait: int | Unset = 0,
    limit: int | Unset = 100,
    type_: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
) -> Error | FeedPage | None:
    """Every stored event exactly once, in the order they became visible: follow `next_cursor` and nothing
    is ever missed, whatever order concurrent writers commit in. Late events (Mailgun retries, Events
    API recoveries, replayed dead letters) come at the end when stored, whatever their occurred_at.

    Args:
        after (str | Unset):
        wait (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        type_ (str | Unset):
        domain (str | Unset):
        region (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | FeedPage
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            wait=wait,
            limit=limit,
            type_=type_,
            domain=domain,
            region=region,
        )
    ).parsed
