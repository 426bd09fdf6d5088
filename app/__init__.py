"""The mailhook web application: `create_app()` wires blueprints to one Services object. No work at import."""

from __future__ import annotations

from flask import Flask

from app.devkey import with_dev_signing_key
from app.services import Services
from app.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Flask:
    from app import api, health, intake

    settings = with_dev_signing_key(settings or load_settings())
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["mailhook"] = Services(settings)
    app.register_blueprint(intake.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    return app
