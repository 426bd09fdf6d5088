"""`webhooks status`: both levels in one report, per region, from one read of each level.

Per region, one line for our account-level webhook (`registered`, `incomplete` with the types it lacks, or
`absent`: information, never the verdict); then per domain and type `registered` (at the domain level, the
account level, or both) or `missing`, which is the verdict (exit status 1). A domain whose own webhooks hold
our endpoint while the account-level one does too gets a `warning`:

- the very URL of the account-level webhook: Mailgun sends each event once, from the account level, so the
  domain-level entry does nothing and only hides which level is in use;
- our endpoint with the domain's hint (what `webhooks install` without `--account` registers): two URLs, so
  Mailgun sends each event to both; it is stored once, but twice the traffic.

Either way the domain-level entries are the ones to remove.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from app.core.settings import Settings
from workers.mailgun.account_setup import ACCOUNT, account_hooks
from workers.mailgun.account_webhooks import AccountHook, account_webhook_url, our_account_hook
from workers.mailgun.client import MailgunClient, MailgunError
from workers.mailgun.registration import SUBSCRIBABLE, is_registered, same_endpoint, webhook_url
from workers.mailgun.setup import FAILED, Done, by_region

SENT_ONCE = ("the domain level holds the account-level URL itself: Mailgun sends each event once, from the "
             "account level; remove the domain-level entries")  # fmt: skip
SENT_TWICE = ("both levels hold our endpoint: Mailgun sends each event to both URLs (stored once, twice the "
              "traffic); remove the domain-level webhooks")  # fmt: skip


def webhooks_report(settings: Settings, base: str | None, domains: Iterable[str]) -> Iterator[Done]:
    for region, names in by_region(settings, domains).items():
        with MailgunClient.for_region(settings, region) as client:
            yield from _region_report(client, base, names)


def _region_report(client: MailgunClient, base: str | None, domains: list[str]) -> Iterator[Done]:
    region = client.region
    hook: AccountHook | None = None
    try:
        hook = our_account_hook(account_hooks(client), account_webhook_url(base, region) if base else None)
    except MailgunError as exc:
        yield Done(region, ACCOUNT, "*", FAILED, str(exc))
    else:
        yield account_line(region, hook)
    for domain in domains:
        try:
            current = client.webhooks(region, domain)
        except MailgunError as exc:
            yield Done(region, domain, "*", FAILED, str(exc))
            continue
        ours = webhook_url(base, region, domain) if base else None
        yield from domain_lines(region, domain, current, ours, hook)


def account_line(region: str, hook: AccountHook | None) -> Done:
    if hook is None:
        return Done(region, ACCOUNT, "*", "absent", "no account-level webhook of ours")
    missing = [kind for kind in SUBSCRIBABLE if kind not in hook.event_types]
    detail = hook.url + (f"; missing {', '.join(missing)}" if missing else "")
    return Done(region, ACCOUNT, "*", "incomplete" if missing else "registered", detail)


def domain_lines(
    region: str,
    domain: str,
    current: Mapping[str, Sequence[str]],
    ours: str | None,
    hook: AccountHook | None,
) -> Iterator[Done]:
    """Each type's line (a type our account-level webhook holds counts as registered), then the warning."""
    for kind in SUBSCRIBABLE:
        urls = current.get(kind, [])
        found = is_registered(urls, ours)
        at_account = hook is not None and kind in hook.event_types
        if found and at_account:
            yield Done(region, domain, kind, "registered", f"{found}, and at the account level")
        elif found:
            yield Done(region, domain, kind, "registered", found)
        elif at_account:
            yield Done(region, domain, kind, "registered", "at the account level")
        else:
            yield Done(region, domain, kind, "missing", f"{len(urls)} other URL{'s' * (len(urls) != 1)}")
    held = {url for urls in current.values() for url in urls}
    if hook is not None and hook.url in held:
        yield Done(region, domain, "*", "warning", SENT_ONCE)
    elif hook is not None and any(same_endpoint(url, hook.url) for url in held):
        yield Done(region, domain, "*", "warning", SENT_TWICE)
