from enum import StrEnum


class EventDetailSource(StrEnum):
    EVENTS_API = "events_api"
    LEGACY_WEBHOOK = "legacy_webhook"
    LOGS_API = "logs_api"
    WEBHOOK = "webhook"

    def __str__(self) -> str:
        return str(self.value)
