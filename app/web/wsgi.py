"""WSGI entry point for gunicorn: `app.web.wsgi:app`."""

from app.web.factory import create_app

app = create_app()
