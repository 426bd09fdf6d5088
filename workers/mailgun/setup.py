"""Register the service with Mailgun (webhooks per domain, inbound routes per region); report what is there.

Each domain is asked in its own region, through the region-bound client; every step is reported as it is
done, so an operator sees exactly what changed. Running it again changes nothing. Domain webhooks are
written in one call through `/v4/domains/{domain}/webhooks` (our URL with all its types; an older URL of ours
removed), and type by type through v3 where v4 answers 404. A type that changed
between our read and our write (someone else's PUT) can still be overwritten: Mailgun's API has no
conditional update.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from app.core.settings import Settings
from workers.mailgun.client import MailgunClient, MailgunError, Reply
from workers.mailgun.registration import (
    CREATE,
    KEEP,
    REFUSE,
    UPDATE,
    Step,
    find_route,
    inbound_url,
    plan_webhooks,
    route_actions,
    same_endpoint,
    webhook_url,
)

FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Done:
    """One line of a report: what happened to one domain's type, or one region's route."""

    region: str
    subject: str  # the domain (webhooks) or the expression (routes)
    kind: str  # the webhook type, or "route"
    outcome: str  # created / updated / kept / refused / failed, or registered / missing for a status
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome not in (FAILED, "refused", "missing")


_OUTCOMES = {CREATE: "created", UPDATE: "updated", KEEP: "kept", REFUSE: "refused"}


def by_region(settings: Settings, domains: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for domain in domains:
        grouped.setdefault(settings.domain_regions[domain], []).append(domain)
    return grouped


def install_webhooks(settings: Settings, base: str, domains: Iterable[str]) -> Iterator[Done]:
    for region, names in by_region(settings, domains).items():
        with MailgunClient.for_region(settings, region) as client:
            for domain in names:
                yield from _install_domain(client, domain, webhook_url(base, region, domain))


def _install_domain(client: MailgunClient, domain: str, ours: str) -> Iterator[Done]:
    try:
        current = client.webhooks(client.region, domain)
    except MailgunError as exc:
        yield Done(client.region, domain, "*", FAILED, str(exc))
        return
    steps = plan_webhooks(current, ours)
    if any(step.action in (CREATE, UPDATE) for step in steps):
        through_v4 = _install_v4(client, domain, ours, current, steps)
        if through_v4 is not None:
            yield from through_v4
            return
    for step in steps:
        yield _apply(client, domain, step)


def _install_v4(
    client: MailgunClient, domain: str, ours: str, current: Mapping[str, Sequence[str]], steps: list[Step]
) -> list[Done] | None:
    """The plan in v4 calls; None when v4 answers 404 (the v3 calls then do it)."""
    region = client.region
    kinds = [step.kind for step in steps if step.action != REFUSE]
    held = {url for urls in current.values() for url in urls}
    try:
        reply = client.v4_webhook(region, domain, "PUT" if ours in held else "POST", ours, kinds)
        if reply.status == 404:
            return None
        if not reply.ok:
            detail = f"Mailgun answered {reply.status}: {reply.message}"
            return [Done(region, domain, step.kind, FAILED, detail) for step in steps]
        stale = sorted(url for url in held if url != ours and same_endpoint(url, ours))
        failed = [(url, client.v4_webhook(region, domain, "DELETE", url)) for url in stale]
    except MailgunError as exc:
        return [Done(region, domain, step.kind, FAILED, str(exc)) for step in steps]
    done = [Done(region, domain, step.kind, _OUTCOMES[step.action], step.note) for step in steps]
    return done + [Done(region, domain, "*", FAILED, f"removing {url}: Mailgun answered {answer.status}")
                   for url, answer in failed if not answer.ok]  # fmt: skip


def _apply(client: MailgunClient, domain: str, step: Step) -> Done:
    region = client.region
    try:
        if step.action == CREATE:
            reply = client.create_webhook(region, domain, step.kind, list(step.urls))
        elif step.action == UPDATE:
            reply = client.update_webhook(region, domain, step.kind, list(step.urls))
        else:
            return Done(region, domain, step.kind, _OUTCOMES[step.action], step.note)
    except MailgunError as exc:
        return Done(region, domain, step.kind, FAILED, str(exc))
    return _judged(region, domain, step, reply)


def _judged(region: str, domain: str, step: Step, reply: Reply) -> Done:
    if not reply.ok:
        return Done(region, domain, step.kind, FAILED, f"Mailgun answered {reply.status}: {reply.message}")
    return Done(region, domain, step.kind, _OUTCOMES[step.action], step.note)


def install_route(
    settings: Settings,
    region: str,
    base: str,
    expression: str,
    *,
    stop: bool,
    priority: int,
    description: str,
) -> Done:
    url = inbound_url(base, region)
    try:
        with MailgunClient.for_region(settings, region) as client:
            existing = find_route(client.routes(region), expression, url)
            if existing is not None:
                return Done(
                    region, expression, "route", "kept", f"route {existing.get('id')} already forwards"
                )
            reply = client.create_route(region, expression, route_actions(url, stop), priority, description)
    except MailgunError as exc:
        return Done(region, expression, "route", FAILED, str(exc))
    if not reply.ok:
        return Done(region, expression, "route", FAILED, f"Mailgun answered {reply.status}: {reply.message}")
    route = reply.body.get("route") if isinstance(reply.body, dict) else None
    created = route.get("id") if isinstance(route, dict) else None
    return Done(region, expression, "route", "created", f"route {created} forwards to {url}")
