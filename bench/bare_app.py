"""The baseline: a bare Flask app answering 200, served by the same gunicorn config as the real web."""

from flask import Flask

app = Flask(__name__)


@app.post("/webhooks/mailgun")
def ok() -> tuple[str, int]:
    return "", 200
