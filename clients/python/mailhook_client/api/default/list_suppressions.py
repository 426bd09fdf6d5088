from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.suppression_page import SuppressionPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    address: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    state: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["address"] = address

    params["domain"] = domain

    params["region"] = region

    params["kind"] = kind

    params["state"] = state

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/suppressions",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | SuppressionPage:
    if response.status_code == 200:
        response_200 = SuppressionPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | SuppressionPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    address: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    state: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> Response[Error | SuppressionPage]:
    """The local view of suppressions per (region, domain, address, kind), newest first: observed on a
    domain by Mailgun, or copied by the sync to the other domains of its region.

    Args:
        address (str | Unset):
        domain (str | Unset):
        region (str | Unset):
        kind (str | Unset):
        state (str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SuppressionPage]
    """

    kwargs = _get_kwargs(
        address=address,
        domain=domain,
        region=region,
        kind=kind,
        state=state,
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
    address: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    state: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> Error | SuppressionPage | None:
    """The local view of suppressions per (region, domain, address, kind), newest first: observed on a
    domain by Mailgun, or copied by the sync to the other domains of its region.

    Args:
        address (str | Unset):
        domain (str | Unset):
        region (str | Unset):
        kind (str | Unset):
        state (str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SuppressionPage
    """

    return sync_detailed(
        client=client,
        address=address,
        domain=domain,
        region=region,
        kind=kind,
        state=state,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    address: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    state: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> Response[Error | SuppressionPage]:
    """The local view of suppressions per (region, domain, address, kind), newest first: observed on a
    domain by Mailgun, or copied by the sync to the other domains of its region.

    Args:
        address (str | Unset):
        domain (str | Unset):
        region (str | Unset):
        kind (str | Unset):
        state (str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SuppressionPage]
    """

    kwargs = _get_kwargs(
        address=address,
        domain=domain,
        region=region,
        kind=kind,
        state=state,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    address: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    region: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    state: str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> Error | SuppressionPage | None:
    """The local view of suppressions per (region, domain, address, kind), newest first: observed on a
    domain by Mailgun, or copied by the sync to the other domains of its region.

    Args:
        address (str | Unset):
        domain (str | Unset):
        region (str | Unset):
        kind (str | Unset):
        state (str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SuppressionPage
    """

    return (
        await asyncio_detailed(
            client=client,
            address=address,
            domain=domain,
            region=region,
            kind=kind,
            state=state,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
