"""Account-level webhook registration and status, per region (see account_webhooks.py for the rules).

`install_account_webhooks` registers one webhook per region that has configured domains, idempotently;
`account_status` says per region whether ours is there and with which types, and per configured domain
whether its domain-level webhooks hold our endpoint too (each event then comes twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from app.core.regions import REGIONS
from app.core.settings import Settings
from workers.mailgun.account_webhooks import (
    DESCRIPTION,
    AccountHook,
    account_webhook_url,
    our_account_hook,
    plan_account_webhook,
    read_hooks,
)
from workers.mailgun.client import MailgunClient, MailgunError
from workers.mailgun.registration import CREATE, KEEP, REFUSE, SUBSCRIBABLE, same_endpoint
from workers.mailgun.setup import FAILED, Done, by_region

ACCOUNT = "account"
PATH = "/v1/webhooks"
DOUBLED = ("both levels hold our endpoint: Mailgun sends each event to both URLs (stored once); "
           "remove the domain-level webhooks")  # fmt: skip
_OUTCOMES = {CREATE: "created", KEEP: "kept", REFUSE: "refused"}


def install_account_webhooks(settings: Settings, base: str) -> Iterator[Done]:
    for region in (region for region in REGIONS if settings.domains_in(region)):
        with MailgunClient.for_region(settings, region) as client:
            yield _install(client, account_webhook_url(base, region))


def _install(client: MailgunClient, ours: str) -> Done:
    region = client.region
    try:
        step = plan_account_webhook(_hooks(client), ours)
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


def _hooks(client: MailgunClient) -> list[AccountHook]:
    reply = client.account_call(client.region, "GET", PATH)
    if not reply.ok:
        raise MailgunError(f"GET {PATH} answered {reply.status}: {reply.message}")
    return read_hooks(reply.body)


def account_status(settings: Settings, base: str | None, domains: Iterable[str]) -> Iterator[Done]:
    """Per region: `registered`, `incomplete` (types missing) or `absent`, information only (the domain lines,
    which count a type held at the account level, carry the verdict); per domain a `warning` when the
    domain-level webhooks hold our endpoint as well."""
    for region, names in by_region(settings, domains).items():
        with MailgunClient.for_region(settings, region) as client:
            yield from _region_status(client, base, names)


def _region_status(client: MailgunClient, base: str | None, domains: list[str]) -> Iterator[Done]:
    region = client.region
    try:
        hook = our_account_hook(_hooks(client), account_webhook_url(base, region) if base else None)
    except MailgunError as exc:
        yield Done(region, ACCOUNT, "*", FAILED, str(exc))
        return
    if hook is None:
        yield Done(region, ACCOUNT, "*", "absent", "no account-level webhook of ours")
        return
    missing = [kind for kind in SUBSCRIBABLE if kind not in hook.event_types]
    detail = hook.url + (f"; missing {', '.join(missing)}" if missing else "")
    yield Done(region, ACCOUNT, "*", "incomplete" if missing else "registered", detail)
    for domain in domains:
        try:
            urls = {url for held in client.webhooks(region, domain).values() for url in held}
        except MailgunError as exc:
            yield Done(region, domain, "*", FAILED, str(exc))
            continue
        if any(same_endpoint(url, hook.url) for url in urls):
            yield Done(region, domain, "*", "warning", DOUBLED)
