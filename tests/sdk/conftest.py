"""Fixtures: the built mock upstream and gateway binaries, and OpenAI, Anthropic, Google GenAI,
AWS Bedrock (boto3) and Cohere SDK clients pointed at them.

The binaries are taken from ``BIFROST_BIN`` and ``MOCK_BIN`` when set, otherwise from
``$CARGO_TARGET_DIR/debug`` (or the repository's ``target/debug``). One mock and one gateway are
started per test session; the gateway's log is printed at the end of a failed run.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import types as genai_types

REPO_ROOT = Path(__file__).resolve().parents[2]

#: How long a binary may take to start listening.
STARTUP_TIMEOUT_S = 30.0

#: Key values: the mock accepts any key except those with a failure prefix (`bad` -> 401 ...).
GOOD_KEY = "sk-openai-good-1"
BAD_KEY = "bad-key-mistral"
#: The gateway's Anthropic key (the Anthropic mock accepts it) and one it refuses.
ANTHROPIC_KEY = "sk-ant-api03-test"
ANTHROPIC_BAD_KEY = "bad-key-anthropic"
#: The gateway's Gemini key (the Google mock accepts any key not starting with `bad`/`invalid`).
GEMINI_KEY = "gemini-gateway-key"
#: What the GenAI SDK sends as its own key: accepted by the gateway, never forwarded.
GENAI_CALLER_KEY = "caller-own-google-key"
#: The Vertex project and region the gateway is configured with.
VERTEX_PROJECT = "bifrost-sdk"
VERTEX_REGION = "us-central1"

#: The gateway's AWS key pair for Bedrock (the Bedrock mock verifies SigV4 signatures made with it).
BEDROCK_ACCESS_KEY_ID = "AKIAMOCKBEDROCK00001"
BEDROCK_SECRET_ACCESS_KEY = "mockSecretAccessKey/For+Bifrost/Tests000"
#: What boto3 signs with on the caller's side: accepted by the gateway, never forwarded.
BEDROCK_CALLER_ACCESS_KEY_ID = "AKIACALLEROWNKEY0001"
#: The gateway's Cohere key, and what the Cohere SDK sends as its own (never forwarded).
COHERE_KEY = "cohere-gateway-key"
COHERE_CALLER_KEY = "caller-own-cohere-key"

#: Log files of the processes started by this session, printed when the run fails.
_LOGS: dict[str, Path] = {}


def _target_dir() -> Path:
    target = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target) if target else Path("target")
    return base if base.is_absolute() else REPO_ROOT / base


def _binary(env_var: str, name: str) -> Path:
    value = os.environ.get(env_var)
    path = Path(value) if value else _target_dir() / "debug" / name
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.is_file():
        pytest.exit(
            f"{name} not found at {path}: build it with "
            f"`cargo build -p bifrost-http -p bifrost-mock-upstream` or set {env_var}",
            returncode=2,
        )
    return path


def _wait_for(predicate, what: str, proc: subprocess.Popen, log: Path) -> Any:
    """Polls `predicate` until it returns a value; fails if `proc` exits or time runs out."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc.poll() is not None:
            raise RuntimeError(
                f"{what} exited with status {proc.returncode}:\n{log.read_text(errors='replace')}"
            )
        time.sleep(0.02)
    raise RuntimeError(f"{what} did not start in {STARTUP_TIMEOUT_S}s:\n{log.read_text(errors='replace')}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class MockUpstream:
    """The running `bifrost-mock-upstream` and its admin API."""

    url: str
    log: Path
    admin: httpx.Client = field(repr=False)

    def requests(self) -> list[dict[str, Any]]:
        """Every request the mock received (method, path, headers, body, json)."""
        resp = self.admin.get(f"{self.url}/__mock/requests")
        resp.raise_for_status()
        return resp.json()

    def requests_mentioning(self, marker: str) -> list[dict[str, Any]]:
        """The recorded requests whose body contains `marker`."""
        return [r for r in self.requests() if marker in r["body"]]

    def reset(self) -> None:
        """Forgets recorded requests and resets the `flaky-N` counters."""
        self.admin.post(f"{self.url}/__mock/reset").raise_for_status()


@dataclass
class Gateway:
    """The running `bifrost-http`."""

    url: str
    log: Path

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (`.../v1`)."""
        return f"{self.url}/v1"


def vertex_service_account(mock_url: str) -> str:
    """A service-account key file for the account the mock's OAuth endpoint trusts."""
    pem = REPO_ROOT / "crates/bifrost-mock-upstream/fixtures/google-test-sa.key.pem"
    return json.dumps(
        {
            "type": "service_account",
            "project_id": VERTEX_PROJECT,
            "private_key_id": "0123456789abcdef0123456789abcdef01234567",
            "private_key": pem.read_text(),
            "client_email": "bifrost-test@bifrost-mock.iam.gserviceaccount.com",
            "token_uri": f"{mock_url}/token",
        }
    )


def gateway_config(mock_url: str) -> dict[str, Any]:
    """The config.json the gateway is started with (Bifrost's schema)."""

    def provider(keys: list[dict[str, Any]], **network: Any) -> dict[str, Any]:
        return {"keys": keys, "network_config": {"base_url": mock_url, **network}}

    def key(name: str, value: str, weight: float = 1.0) -> dict[str, Any]:
        return {"name": name, "value": value, "models": ["*"], "weight": weight}

    return {
        "client": {"max_request_body_size_mb": 1},
        "providers": {
            # The primary provider: a good key, no retries (so upstream errors surface as is).
            "openai": provider([key("openai-main", GOOD_KEY)], max_retries=0),
            # The fallback target.
            "groq": provider([key("groq-main", "sk-groq-good-1")]),
            # A good key and a bad one; the bad key (weight 0) is only used when pinned.
            "mistral": provider(
                [key("mistral-good", "sk-mistral-good-1"), key("mistral-bad", BAD_KEY, weight=0)]
            ),
            # Only a rejected key: every request exhausts the provider's credentials.
            "openrouter": provider([key("openrouter-bad", "bad-key-openrouter")]),
            # One-second upstream and stream-idle timeouts.
            "xai": provider(
                [key("xai-main", "sk-xai-good-1")],
                default_request_timeout_in_seconds=1,
                stream_idle_timeout_in_seconds=1,
            ),
            # Anthropic (the mock speaks its Messages API), no retries; the bad key (weight 0)
            # is only used when pinned.
            "anthropic": provider(
                [
                    key("anthropic-main", ANTHROPIC_KEY),
                    key("anthropic-bad", ANTHROPIC_BAD_KEY, weight=0),
                ],
                max_retries=0,
            ),
            # Gemini (the mock speaks the Generative Language API under /v1beta), no retries.
            "gemini": {
                "keys": [key("gemini-main", GEMINI_KEY)],
                "network_config": {"base_url": f"{mock_url}/v1beta", "max_retries": 0},
            },
            # AWS Bedrock (the mock speaks Converse / ConverseStream / InvokeModel at its root),
            # signed with SigV4, no retries.
            "bedrock": {
                "keys": [
                    {
                        "name": "bedrock-main",
                        "value": "",
                        "models": ["*"],
                        "bedrock_key_config": {
                            "region": "us-east-1",
                            "access_key": BEDROCK_ACCESS_KEY_ID,
                            "secret_key": BEDROCK_SECRET_ACCESS_KEY,
                        },
                    }
                ],
                "network_config": {"base_url": mock_url, "max_retries": 0},
            },
            # Cohere (the mock speaks its API v2, also under /cohere, where its model list is), no
            # retries.
            "cohere": {
                "keys": [key("cohere-main", COHERE_KEY)],
                "network_config": {"base_url": f"{mock_url}/cohere", "max_retries": 0},
            },
            # Retries with a tiny backoff.
            "cerebras": provider(
                [key("cerebras-main", "sk-cerebras-good-1")],
                max_retries=2,
                retry_backoff_initial=1,
                retry_backoff_max=5,
            ),
            # Vertex AI: a service account whose JWT the mock's OAuth endpoint verifies.
            "vertex": {
                "keys": [
                    {
                        "name": "vertex-sa",
                        "value": "",
                        "models": ["*"],
                        "vertex_key_config": {
                            "project_id": VERTEX_PROJECT,
                            "region": VERTEX_REGION,
                            "auth_credentials": vertex_service_account(mock_url),
                        },
                    }
                ],
                "network_config": {"base_url": mock_url, "max_retries": 0},
            },
            # Azure OpenAI (v1 API at the mock's /openai/v1).
            "azure": {
                "keys": [
                    {
                        "name": "azure-main",
                        "value": "azure-gateway-key",
                        "models": ["*"],
                        "azure_key_config": {"endpoint": mock_url},
                    }
                ],
                "network_config": {"max_retries": 0},
            },
        },
    }


@pytest.fixture(scope="session")
def mock_upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockUpstream]:
    """`bifrost-mock-upstream --port 0`, listening on a free port."""
    binary = _binary("MOCK_BIN", "bifrost-mock-upstream")
    log = tmp_path_factory.mktemp("mock") / "mock-upstream.log"
    _LOGS["mock upstream"] = log
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(binary), "--port", "0", "--host", "127.0.0.1"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:

        def listening() -> str | None:
            for line in log.read_text(errors="replace").splitlines():
                if line.startswith("listening on "):
                    return line.removeprefix("listening on ").strip()
            return None

        url = _wait_for(listening, "bifrost-mock-upstream", proc, log)
        with httpx.Client(timeout=10) as admin:
            yield MockUpstream(url=url, log=log, admin=admin)
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory, mock_upstream: MockUpstream) -> Iterator[Gateway]:
    """`bifrost-http` on a free port, configured against the mock, once `/health` answers."""
    binary = _binary("BIFROST_BIN", "bifrost-http")
    app_dir = tmp_path_factory.mktemp("app")
    (app_dir / "config.json").write_text(json.dumps(gateway_config(mock_upstream.url), indent=2))
    log = app_dir / "gateway.log"
    _LOGS["gateway"] = log
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(binary),
                "--app-dir",
                str(app_dir),
                "--port",
                "0",
                "--host",
                "127.0.0.1",
                "--log-style",
                "json",
                "--log-level",
                "info,bifrost_http=debug",
                "--shutdown-timeout",
                "5",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:

        def listening() -> str | None:
            # Port 0 lets the OS pick a free port; the gateway logs the address it bound.
            for line in log.read_text(errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("message") == "bifrost-http listening":
                    return f"http://{entry['addr']}"
            return None

        url = _wait_for(listening, "bifrost-http", proc, log)

        def healthy() -> bool:
            try:
                resp = httpx.get(f"{url}/health", timeout=2)
            except httpx.HTTPError:
                return False
            return resp.status_code == 200 and resp.json().get("status") == "ok"

        _wait_for(healthy, "bifrost-http /health", proc, log)
        yield Gateway(url=url, log=log)
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def client(gateway: Gateway) -> Iterator[openai.OpenAI]:
    """The official sync client; only `base_url` differs from talking to OpenAI."""
    with openai.OpenAI(base_url=gateway.base_url, api_key="sk-anything", max_retries=0) as c:
        yield c


@pytest.fixture
def async_client(gateway: Gateway):
    """A factory for the official async client (create it inside the running event loop)."""

    def make() -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(base_url=gateway.base_url, api_key="sk-anything", max_retries=0)

    return make


@pytest.fixture(scope="session")
def anthropic_client(gateway: Gateway) -> Iterator[anthropic.Anthropic]:
    """The official Anthropic client; only `base_url` differs from talking to Anthropic. Its own
    key is accepted by the gateway and never sent upstream."""
    with anthropic.Anthropic(
        base_url=f"{gateway.url}/anthropic", api_key="sk-ant-caller-own-key", max_retries=0
    ) as c:
        yield c


@pytest.fixture
def async_anthropic_client(gateway: Gateway):
    """A factory for the official async Anthropic client (create it inside the event loop)."""

    def make() -> anthropic.AsyncAnthropic:
        return anthropic.AsyncAnthropic(
            base_url=f"{gateway.url}/anthropic", api_key="sk-ant-caller-own-key", max_retries=0
        )

    return make


@pytest.fixture(scope="session")
def genai_client(gateway: Gateway) -> Iterator[genai.Client]:
    """The official Google GenAI client; only `base_url` differs from talking to Google. Its own
    key is accepted by the gateway and never sent upstream."""
    client = genai.Client(
        api_key=GENAI_CALLER_KEY,
        http_options=genai_types.HttpOptions(base_url=f"{gateway.url}/genai"),
    )
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def bedrock_client(gateway: Gateway):
    """boto3's `bedrock-runtime` client; only `endpoint_url` differs from talking to AWS. It signs
    with its own (made-up) AWS key, which the gateway accepts and never forwards."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "bedrock-runtime",
        endpoint_url=f"{gateway.url}/bedrock",
        region_name="us-east-1",
        aws_access_key_id=BEDROCK_CALLER_ACCESS_KEY_ID,
        aws_secret_access_key="caller-own-secret",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


@pytest.fixture(scope="session")
def cohere_client(gateway: Gateway):
    """Cohere's `ClientV2`; only `base_url` differs from talking to Cohere."""
    import cohere

    return cohere.ClientV2(api_key=COHERE_CALLER_KEY, base_url=f"{gateway.url}/cohere")


@pytest.fixture(scope="session")
def http(gateway: Gateway) -> Iterator[httpx.Client]:
    """A raw HTTP client on the gateway, for what the SDK cannot send."""
    with httpx.Client(base_url=gateway.url, timeout=30) as c:
        yield c


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Prints the gateway's (and mock's) log when the run failed."""
    if exitstatus == 0:
        return
    for name, path in _LOGS.items():
        if not path.exists():
            continue
        terminalreporter.write_sep("=", f"{name} log ({path})")
        lines = path.read_text(errors="replace").splitlines()
        for line in lines[-400:]:
            terminalreporter.write_line(line)
