from enum import StrEnum


class NewSubscriptionTypesType0Item(StrEnum):
    BOUNCED = "bounced"
    CLICKED = "clicked"
    COMPLAINED = "complained"
    DEFERRED = "deferred"
    DELIVERED = "delivered"
    OPENED = "opened"
    QUEUED = "queued"
    REJECTED = "rejected"
    STORED = "stored"
    UNKNOWN = "unknown"
    UNSUBSCRIBED = "unsubscribed"

    def __str__(self) -> str:
        return str(self.value)
