"""The Vercel AI SDK's node tests (``tests/sdk/node``) against this session's gateway.

``node --test`` runs with ``BIFROST_URL`` set; the test is skipped only when node or the
installed packages are missing and ``CI`` is not set (in CI their absence is a failure).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"


def test_vercel_ai_sdk(gateway) -> None:
    node = shutil.which("node")
    installed = (NODE_DIR / "node_modules" / "ai").is_dir()
    if node is None or not installed:
        if os.environ.get("CI"):
            pytest.fail("node and tests/sdk/node/node_modules are required in CI (run tests/sdk/run.sh)")
        pytest.skip("node or tests/sdk/node/node_modules is missing (tests/sdk/run.sh installs them)")
    proc = subprocess.run(
        [node, "--test", "--test-reporter=spec", "gateway.test.mjs"],
        cwd=NODE_DIR,
        env={**os.environ, "BIFROST_URL": gateway.url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"node --test failed:\n{proc.stdout}\n{proc.stderr}"
