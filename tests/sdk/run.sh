#!/usr/bin/env bash
# Runs the official SDK suite against the built gateway and mock upstream: Python (openai, anthropic,
# google-genai, boto3, cohere, langchain-openai, litellm) and, through pytest, the Vercel AI SDK (node).
#
#   tests/sdk/run.sh [pytest args...]
#
# Environment:
#   SDK_VENV          virtualenv to use or create (default: <repo>/.venv-sdk)
#   PYTHON            interpreter used to create it (default: python3.11, else python3)
#   BIFROST_BIN       gateway binary; when set, bifrost-http is not built
#   MOCK_BIN          mock upstream binary; when set, bifrost-mock-upstream is not built
#   CARGO_TARGET_DIR  where cargo builds (default: <repo>/target)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

venv="${SDK_VENV:-$repo/.venv-sdk}"
if [[ -z "${PYTHON:-}" ]]; then
    if command -v python3.11 >/dev/null 2>&1; then PYTHON=python3.11; else PYTHON=python3; fi
fi

if [[ ! -x "$venv/bin/python" ]]; then
    echo "creating virtualenv $venv" >&2
    "$PYTHON" -m venv "$venv"
fi

# Reinstall only when requirements.txt changed since the last successful install.
stamp="$venv/.sdk-requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    echo "$want" >"$stamp"
fi

# The Vercel AI SDK (tests/sdk/node): npm ci when package-lock.json changed since the last install.
# Without node the node test is skipped, except in CI, where it is required.
node_dir="$here/node"
if command -v npm >/dev/null 2>&1; then
    node_stamp="$node_dir/node_modules/.sdk-lock.sha256"
    node_want="$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)"
    if [[ ! -f "$node_stamp" || "$(cat "$node_stamp")" != "$node_want" ]]; then
        (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
        echo "$node_want" >"$node_stamp"
    fi
elif [[ -n "${CI:-}" ]]; then
    echo "node and npm are required in CI for the Vercel AI SDK tests" >&2
    exit 1
fi

packages=()
[[ -z "${BIFROST_BIN:-}" ]] && packages+=(-p bifrost-http)
[[ -z "${MOCK_BIN:-}" ]] && packages+=(-p bifrost-mock-upstream)
if ((${#packages[@]})); then
    cargo build "${packages[@]}"
fi

# conftest.py finds the binaries in ${CARGO_TARGET_DIR:-target}/debug unless BIFROST_BIN/MOCK_BIN say otherwise.
exec "$venv/bin/python" -m pytest -q "$here" "$@"
