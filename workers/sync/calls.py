"""From claimed outbox rows to Mailgun calls, and from Mailgun's answers to row outcomes. Pure.

Suppressions are added in bulk: rows are grouped by (kind, domain) and cut into calls of at most 1000
distinct addresses (rows naming the same address share its call and its outcome). Deletes and list member
updates have no bulk form in Mailgun's API: one call per (target, address).

A bulk call Mailgun refuses with 400 is halved, up to MAX_SPLITS times, to isolate the addresses it refuses
without failing their neighbours: one bad address in 1000 costs at most 2 * MAX_SPLITS more calls and fails
at most 1000 / 2^MAX_SPLITS rows; a batch refused whatever it holds costs at most 2^(MAX_SPLITS+1) - 1 calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.core.models.sync_vocab import ADD_KINDS, SuppressionKind, SyncActionKind
from workers.mailgun.client import MAX_BATCH, Reply

# Mailgun's name of each suppression table in its API paths.
PLURAL: Mapping[str, str] = {
    SuppressionKind.BOUNCE: "bounces",
    SuppressionKind.COMPLAINT: "complaints",
    SuppressionKind.UNSUBSCRIBE: "unsubscribes",
}
LIST_KIND = SyncActionKind.LIST_UNSUBSCRIBE
MAX_SPLITS = 6

# What a call's answer means for its rows (`done` and `failed` are the statuses they move to).
Status = Literal["done", "failed", "retry", "paused"]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    kind: str
    domain: str | None
    list_address: str | None
    address: str
    payload: dict[str, Any]
    attempts: int

    @property
    def target(self) -> str:
        return (self.list_address if self.kind == LIST_KIND else self.domain) or ""


@dataclass(frozen=True, slots=True)
class Call:
    kind: str
    target: str  # a sending domain, or a list address
    rows: tuple[OutboxRow, ...]
    splits: int = 0  # how many times this call's rows were halved already

    @property
    def addresses(self) -> list[str]:
        return list(dict.fromkeys(row.address.lower() for row in self.rows))

    @property
    def is_bulk(self) -> bool:
        return self.kind in ADD_KINDS

    def records(self) -> list[dict[str, Any]]:
        """One Mailgun record per address; of rows naming the same address, the newest payload wins."""
        latest = {row.address.lower(): row for row in sorted(self.rows, key=lambda r: r.id)}
        return [{"address": latest[a].address, **latest[a].payload} for a in self.addresses]

    def halves(self) -> tuple[Call, Call]:
        first = set(self.addresses[: len(self.addresses) // 2])
        return (
            Call(
                self.kind,
                self.target,
                tuple(r for r in self.rows if r.address.lower() in first),
                self.splits + 1,
            ),
            Call(
                self.kind,
                self.target,
                tuple(r for r in self.rows if r.address.lower() not in first),
                self.splits + 1,
            ),
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    error: str | None = None
    until: datetime | None = None  # when a paused row is due again
    splittable: bool = False  # a bulk call Mailgun refused for its data: one bad address may be the cause


def plan_calls(rows: Iterable[OutboxRow], batch: int = MAX_BATCH) -> list[Call]:
    groups: dict[tuple[str, str], list[OutboxRow]] = {}
    for row in sorted(rows, key=lambda r: r.id):
        key = (row.kind, row.target.lower())
        if row.kind not in ADD_KINDS:
            key = (row.kind, f"{row.target.lower()}\x00{row.address.lower()}")
        groups.setdefault(key, []).append(row)
    calls: list[Call] = []
    for (kind, _), members in groups.items():
        calls += _cut(Call(kind, members[0].target, tuple(members)), batch)
    return calls


def _cut(call: Call, batch: int) -> list[Call]:
    addresses = call.addresses
    if len(addresses) <= batch:
        return [call]
    slices = [set(addresses[start : start + batch]) for start in range(0, len(addresses), batch)]
    return [
        Call(call.kind, call.target, tuple(r for r in call.rows if r.address.lower() in s)) for s in slices
    ]


def judge(call: Call, reply: Reply) -> Outcome:
    if reply.ok:
        return Outcome("done")
    answer = f"{reply.status}: {reply.message}"
    if reply.status == 404 and call.kind not in ADD_KINDS:
        return Outcome(
            "done", f"already absent ({answer})"
        )  # nothing to delete, no such member: the goal holds
    if reply.status in (401, 403):
        # The key, not the data: keep the rows and retry once the configuration is fixed.
        return Outcome("retry", f"Mailgun refused the API key ({answer})")
    if reply.status == 408 or reply.status >= 500:
        return Outcome("retry", answer)
    splittable = reply.status == 400 and call.is_bulk and len(call.addresses) > 1 and call.splits < MAX_SPLITS
    return Outcome("failed", answer, splittable=splittable)


def retry_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds until the next try after `attempts` failed ones: doubling from `base`, at most `cap`."""
    return min(cap, base * 2 ** max(0, attempts - 1))


def addresses_of(rows: Sequence[OutboxRow]) -> list[str]:
    return sorted({row.address.lower() for row in rows})
