from enum import StrEnum


class NewSubscriptionRegionType1(StrEnum):
    EU = "eu"
    US = "us"

    def __str__(self) -> str:
        return str(self.value)
