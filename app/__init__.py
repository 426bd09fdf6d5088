"""The mailhook web application: `create_app()` wires blueprints to one Services object.

No work and no framework imports at package import: workers import `app.models` or `app.regions` without
pulling Flask in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from app.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    from flask import Flask

    from app import api, dashboard, health, intake, observability
    from app.devkey import with_dev_secrets
    from app.services import Services
    from app.settings import load_settings

    settings = with_dev_secrets(settings or load_settings())
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    services = Services(settings)
    app.extensions["mailhook"] = services
    # The intake answers before Flask sees the request (app/intake.py says why); the test client goes
    # through it too, since Flask.__call__ calls wsgi_app.
    app.wsgi_app = intake.Intake(services, app.wsgi_app)  # type: ignore[method-assign]
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(dashboard.bp)
    observability.init_app(app)
    return app
