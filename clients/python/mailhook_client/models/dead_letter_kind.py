from enum import StrEnum


class DeadLetterKind(StrEnum):
    EVENTS_API = "events_api"
    INBOUND = "inbound"
    INBOUND_MIME = "inbound_mime"
    LEGACY_WEBHOOK = "legacy_webhook"
    LOGS_API = "logs_api"
    STORE_NOTIFY = "store_notify"
    WEBHOOK = "webhook"

    def __str__(self) -> str:
        return str(self.value)
