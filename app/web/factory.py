"""The mailhook web application: `create_app()` wires blueprints to one Services object.

Flask is imported when the factory runs, not when this module is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from app.core.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    from flask import Flask

    from app.api import routes as api
    from app.core.devkey import with_dev_secrets
    from app.core.settings import load_settings
    from app.dashboard import views as dashboard
    from app.intake import middleware as intake
    from app.web import health, observability
    from app.web.services import Services

    settings = with_dev_secrets(settings or load_settings())
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    services = Services(settings)
    app.extensions["mailhook"] = services
    # The intake answers before Flask sees the request (app/intake/middleware.py says why); the test client
    # goes through it too, since Flask.__call__ calls wsgi_app.
    app.wsgi_app = intake.Intake(services, app.wsgi_app)  # type: ignore[method-assign]
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(dashboard.bp)
    observability.init_app(app)
    return app
