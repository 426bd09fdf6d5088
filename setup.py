"""Packaging beyond what pyproject.toml can say: migrations/ ships inside the package as `app.migrations`.

The checkout keeps migrations/ at the top, where Alembic's own tooling (`[tool.alembic]`) and the developers
look for it; a wheel carries the same files under app/migrations/, so an installed mailhook can migrate
(app/core/migrate.py finds either). pyproject.toml alone cannot map a directory from outside app/ into it
while also finding the packages, hence these few lines; everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["app*", "workers*"]), "app.migrations", "app.migrations.versions"],
    package_dir={"app.migrations": "migrations"},
)
