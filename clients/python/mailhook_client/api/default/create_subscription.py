from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.create_subscription_body import CreateSubscriptionBody
from ...models.error import Error
from ...models.new_subscription import NewSubscription
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CreateSubscriptionBody,
    region: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["region"] = region

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/subscriptions",
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | NewSubscription:
    if response.status_code == 201:
        response_201 = NewSubscription.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | NewSubscription]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateSubscriptionBody,
    region: str | Unset = UNSET,
) -> Response[Error | NewSubscription]:
    """Push every event stored from now on (of the given types and region) to `url`, in batches of up to
    100 feed items `{"items": [...]}`, in feed order, signed with Standard Webhooks headers (webhook-id,
    webhook-timestamp, webhook-signature). The answer holds the signing secret, shown this once.

    Args:
        region (str | Unset):
        body (CreateSubscriptionBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | NewSubscription]
    """

    kwargs = _get_kwargs(
        body=body,
        region=region,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: CreateSubscriptionBody,
    region: str | Unset = UNSET,
) -> Error | NewSubscription | None:
    """Push every event stored from now on (of the given types and region) to `url`, in batches of up to
    100 feed items `{"items": [...]}`, in feed order, signed with Standard Webhooks headers (webhook-id,
    webhook-timestamp, webhook-signature). The answer holds the signing secret, shown this once.

    Args:
        region (str | Unset):
        body (CreateSubscriptionBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | NewSubscription
    """

    return sync_detailed(
        client=client,
        body=body,
        region=region,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateSubscriptionBody,
    region: str | Unset = UNSET,
) -> Response[Error | NewSubscription]:
    """Push every event stored from now on (of the given types and region) to `url`, in batches of up to
    100 feed items `{"items": [...]}`, in feed order, signed with Standard Webhooks headers (webhook-id,
    webhook-timestamp, webhook-signature). The answer holds the signing secret, shown this once.

    Args:
        region (str | Unset):
        body (CreateSubscriptionBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | NewSubscription]
    """

    kwargs = _get_kwargs(
        body=body,
        region=region,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreateSubscriptionBody,
    region: str | Unset = UNSET,
) -> Error | NewSubscription | None:
    """Push every event stored from now on (of the given types and region) to `url`, in batches of up to
    100 feed items `{"items": [...]}`, in feed order, signed with Standard Webhooks headers (webhook-id,
    webhook-timestamp, webhook-signature). The answer holds the signing secret, shown this once.

    Args:
        region (str | Unset):
        body (CreateSubscriptionBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | NewSubscription
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            region=region,
        )
    ).parsed
