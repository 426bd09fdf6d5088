"""Secret settings read from files: NAME_FILE names a file whose content is NAME, as Docker and Kubernetes
mount secrets, so the value never sits in the process environment. Pure: the standard library only."""

from __future__ import annotations

from collections.abc import Mapping


class SecretFileError(ValueError):
    """A NAME_FILE that cannot be used; the message names the variable, never the file's content."""


# Variables that hold a secret (or a URL that may carry a password): each can also be read from a file named
# by NAME_FILE, as Docker and Kubernetes mount secrets, so the value never sits in the process environment.
SECRET_VARIABLES = (
    "DATABASE_URL",
    "DATABASE_URL_EU",
    "DATABASE_URL_READ",
    "DATABASE_URL_EU_READ",
    "REDIS_URL",
    "MAILGUN_WEBHOOK_SIGNING_KEYS",
    "MAILGUN_API_KEY",
    "MAILHOOK_API_TOKENS",
)


def with_file_secrets(env: Mapping[str, str]) -> Mapping[str, str]:
    """`env` with each NAME_FILE's content (trailing newline and spaces stripped) as NAME."""
    found = {name: env[f"{name}_FILE"] for name in SECRET_VARIABLES if env.get(f"{name}_FILE", "").strip()}
    if not found:
        return env
    merged = dict(env)
    for name, path in found.items():
        if env.get(name, "").strip():
            raise SecretFileError(f"{name} and {name}_FILE are both set: keep one")
        merged[name] = _read_secret_file(f"{name}_FILE", path.strip())
    return merged


def _read_secret_file(variable: str, path: str) -> str:
    # The error names the variable and the path, never a byte of the file.
    try:
        with open(path, encoding="utf-8") as secret:
            value = secret.read(1 << 20).strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretFileError(f"{variable}: cannot read {path!r} ({type(exc).__name__})") from None
    if not value:
        raise SecretFileError(f"{variable}: {path!r} is empty")
    return value
