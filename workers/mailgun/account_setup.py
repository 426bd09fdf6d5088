"""Account-level webhook registration, per region (see account_webhooks.py for the rules; status.py reports).

`install_account_webhooks` registers one webhook per region that has configured domains, idempotently.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.core.regions import REGIONS
from app.core.settings import Settings
from workers.mailgun.account_webhooks import (
    DESCRIPTION,
    AccountHook,
    account_webhook_url,
    plan_account_webhook,
    read_hooks,
)
from workers.mailgun.client import MailgunClient, MailgunError
from workers.mailgun.registration import CREATE, KEEP, REFUSE, SUBSCRIBABLE
from workers.mailgun.setup import FAILED, Done

ACCOUNT = "account"
PATH = "/v1/webhooks"
_OUTCOMES = {CREATE: "created", KEEP: "kept", REFUSE: "refused"}


def install_account_webhooks(settings: Settings, base: str) -> Iterator[Done]:
    for region in (region for region in REGIONS if settings.domains_in(region)):
        with MailgunClient.for_region(settings, region) as client:
            yield _install(client, account_webhook_url(base, region))


def _install(client: MailgunClient, ours: str) -> Done:
    region = client.region
    try:
        step = plan_account_webhook(account_hooks(client), ours)
        if step.action in (KEEP, REFUSE):
            return Done(region, ACCOUNT, "*", _OUTCOMES[step.action], step.note)
        form = {"url": ours, "event_types": list(SUBSCRIBABLE), "description": DESCRIPTION}
        if step.action == CREATE:
            reply = client.account_call(region, "POST", PATH, data=form)
        else:
            reply = client.account_call(region, "PUT", f"{PATH}/{step.webhook_id}", data=form)
    except MailgunError as exc:
        return Done(region, ACCOUNT, "*", FAILED, str(exc))
    if not reply.ok:
        return Done(region, ACCOUNT, "*", FAILED, f"Mailgun answered {reply.status}: {reply.message}")
    if step.action == CREATE:
        hook_id = reply.body.get("webhook_id") if isinstance(reply.body, dict) else None
        return Done(region, ACCOUNT, "*", "created", f"webhook {hook_id} for {ours}")
    return Done(region, ACCOUNT, "*", "updated", step.note)


def account_hooks(client: MailgunClient) -> list[AccountHook]:
    """Every account-level webhook of the client's region, ours or not."""
    reply = client.account_call(client.region, "GET", PATH)
    if not reply.ok:
        raise MailgunError(f"GET {PATH} answered {reply.status}: {reply.message}")
    return read_hooks(reply.body)
