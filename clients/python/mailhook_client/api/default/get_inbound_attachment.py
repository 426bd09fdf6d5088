from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    n: str,
    *,
    region: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["region"] = region

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/inbound/{id}/attachments/{n}".format(
            id=quote(str(id), safe=""),
            n=quote(str(n), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error:
    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    n: str,
    *,
    client: AuthenticatedClient | Client,
    region: str | Unset = UNSET,
) -> Response[Error]:
    """One attachment's content, in its own content type, as an attachment (nosniff, sandboxed). 404
    content_not_kept when it was over MAILHOOK_ATTACHMENT_MAX_BYTES.

    Args:
        id (str):
        n (str):
        region (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error]
    """

    kwargs = _get_kwargs(
        id=id,
        n=n,
        region=region,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    n: str,
    *,
    client: AuthenticatedClient | Client,
    region: str | Unset = UNSET,
) -> Error | None:
    """One attachment's content, in its own content type, as an attachment (nosniff, sandboxed). 404
    content_not_kept when it was over MAILHOOK_ATTACHMENT_MAX_BYTES.

    Args:
        id (str):
        n (str):
        region (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error
    """

    return sync_detailed(
        id=id,
        n=n,
        client=client,
        region=region,
    ).parsed


async def asyncio_detailed(
    id: str,
    n: str,
    *,
    client: AuthenticatedClient | Client,
    region: str | Unset = UNSET,
) -> Response[Error]:
    """One attachment's content, in its own content type, as an attachment (nosniff, sandboxed). 404
    content_not_kept when it was over MAILHOOK_ATTACHMENT_MAX_BYTES.

    Args:
        id (str):
        n (str):
        region (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error]
    """

    kwargs = _get_kwargs(
        id=id,
        n=n,
        region=region,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    n: str,
    *,
    client: AuthenticatedClient | Client,
    region: str | Unset = UNSET,
) -> Error | None:
    """One attachment's content, in its own content type, as an attachment (nosniff, sandboxed). 404
    content_not_kept when it was over MAILHOOK_ATTACHMENT_MAX_BYTES.

    Args:
        id (str):
        n (str):
        region (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error
    """

    return (
        await asyncio_detailed(
            id=id,
            n=n,
            client=client,
            region=region,
        )
    ).parsed
