"""The settings a Celery app carries: attached once by workers.celery.create_celery, read by every task and
handler the same way. A leaf module, so the task modules need not import the app's own module."""

from __future__ import annotations

from celery import Celery

from app.core.settings import Settings

_ATTRIBUTE = "mailhook_settings"


def attach_settings(app: Celery, settings: Settings) -> None:
    setattr(app.conf, _ATTRIBUTE, settings)


def settings_of(app: Celery) -> Settings | None:
    """The app's settings; None for an app create_celery did not make."""
    settings = getattr(app.conf, _ATTRIBUTE, None)
    return settings if isinstance(settings, Settings) else None


def task_settings(app: Celery) -> Settings:
    """The settings every task reads: the ones its app was made with."""
    settings = settings_of(app)
    if settings is None:
        raise RuntimeError("this Celery app was not made by workers.celery.create_celery")
    return settings
