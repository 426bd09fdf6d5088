"""Regenerates clients/python/ from the OpenAPI document the API serves (`make client`).

The document is built by the same code that serves GET /api/v1/openapi.json (with a single database, where
`region` is optional), written beside the client as openapi.json, and handed to openapi-python-client, the
version pinned in the dev extra. tests/integration/api/test_python_client.py generates into a temporary
directory and fails when the result differs from the committed client, so a change to the API that is not
regenerated cannot land.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CLIENTS = Path(__file__).resolve().parent
CONFIG = CLIENTS / "openapi-python-client.yaml"
TARGET = CLIENTS / "python"


def document_text() -> str:
    from app.api.openapi.document import document

    return json.dumps(document(), indent=2) + "\n"


def generate(target: Path = TARGET) -> None:
    """Writes the client for the current document to `target`, replacing what was there."""
    bin_dir = Path(sys.executable).parent  # the generator and the ruff its hooks run, both from the lock
    with tempfile.TemporaryDirectory() as scratch:
        spec, out = Path(scratch) / "openapi.json", Path(scratch) / "client"
        spec.write_text(document_text())
        command = [str(bin_dir / "openapi-python-client"), "generate", "--path", str(spec), "--meta", "setup"]
        command += ["--config", str(CONFIG), "--output-path", str(out)]
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
        # It warns, and leaves out only the body, for the answers that are not JSON (raw MIME, attachments,
        # this page's HTML): those operations still exist in the client and return the raw response.
        result = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"openapi-python-client failed:\n{result.stdout}{result.stderr}")
        shutil.copy(spec, out / "openapi.json")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(out, target)


if __name__ == "__main__":
    generate()
    print(f"wrote {TARGET.relative_to(CLIENTS.parent)}")
