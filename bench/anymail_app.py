"""The peer: django-anymail's Mailgun tracking webhook view as a Django project of one module, served by the
same gunicorn configuration as mailhook (`bench.anymail_app:application`).

The view verifies the signature with the same key and parses the event into Anymail's normalized form; no
receiver is connected to its signal, so nothing is stored: what it costs is the floor of "verify and parse".
"""

from __future__ import annotations

import os

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.urls import path

from bench.procs import BENCH_KEY

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    SECRET_KEY=os.environ.get("BENCH_DJANGO_SECRET", "bench-only"),
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["anymail"],
    MIDDLEWARE=[],
    ANYMAIL={
        "MAILGUN_WEBHOOK_SIGNING_KEY": BENCH_KEY,
        # The same load as mailhook's: no basic auth in front of the signature check.
        "WEBHOOK_SECRET": None,
    },
    LOGGING_CONFIG=None,
    USE_TZ=True,
)
django.setup()

from anymail.webhooks.mailgun import MailgunTrackingWebhookView  # noqa: E402 - after setup

urlpatterns = [path("webhooks/mailgun", MailgunTrackingWebhookView.as_view())]
application = get_wsgi_application()
