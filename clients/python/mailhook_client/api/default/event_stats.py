from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.stats import Stats
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    interval: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["domain"] = domain

    params["region"] = region

    params["since"] = since

    params["until"] = until

    params["interval"] = interval

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/stats",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | Stats:
    if response.status_code == 200:
        response_200 = Stats.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | Stats]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    interval: str | Unset = UNSET,
) -> Response[Error | Stats]:
    """Event counts per type per UTC hour or day.

    Args:
        domain (str | Unset):
        region (str | Unset):
        since (str | Unset):
        until (str | Unset):
        interval (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Stats]
    """

    kwargs = _get_kwargs(
        domain=domain,
        region=region,
        since=since,
        until=until,
        interval=interval,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    interval: str | Unset = UNSET,
) -> Error | Stats | None:
    """Event counts per type per UTC hour or day.

    Args:
        domain (str | Unset):
        region (str | Unset):
        since (str | Unset):
        until (str | Unset):
        interval (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Stats
    """

    return sync_detailed(
        client=client,
        domain=domain,
        region=region,
        since=since,
        until=until,
        interval=interval,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    interval: str | Unset = UNSET,
) -> Response[Error | Stats]:
    """Event counts per type per UTC hour or day.

    Args:
        domain (str | Unset):
        region (str | Unset):
        since (str | Unset):
        until (str | Unset):
        interval (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Stats]
    """

    kwargs = _get_kwargs(
        domain=domain,
        region=region,
        since=since,
        until=until,
        interval=interval,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    interval: str | Unset = UNSET,
) -> Error | Stats | None:
    """Event counts per type per UTC hour or day.

    Args:
        domain (str | Unset):
        region (str | Unset):
        since (str | Unset):
        until (str | Unset):
        interval (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Stats
    """

    return (
        await asyncio_detailed(
            client=client,
            domain=domain,
            region=region,
            since=since,
            until=until,
            interval=interval,
        )
    ).parsed
