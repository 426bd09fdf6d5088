"""clients/python/ is what the pinned openapi-python-client makes of the current OpenAPI document, byte for
byte: a change to the API without `make client` fails here."""

from __future__ import annotations

from pathlib import Path

from clients.generate import TARGET, document_text, generate


def files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_committed_document_is_the_one_the_api_serves() -> None:
    assert (TARGET / "openapi.json").read_text() == document_text(), "run `make client` and commit the result"


def test_the_committed_client_is_a_fresh_generation(tmp_path: Path) -> None:
    generate(tmp_path / "client")
    fresh, committed = files(tmp_path / "client"), files(TARGET)
    assert sorted(fresh) == sorted(committed), "run `make client` and commit the result"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert changed == [], f"run `make client` and commit the result: {changed}"
    assert any(name.endswith("api/default/list_events.py") for name in fresh)
