"""LangChain (``langchain-openai``) and LiteLLM against the gateway's framework prefixes.

Both are used as OpenAI-compatible clients: only the base URL changes (``/langchain/v1``,
``/litellm/v1``). A ``provider/model`` name picks the provider, including one of another family
(``anthropic/...``), whose answer comes back in OpenAI's shape.
"""

from __future__ import annotations

import json
import os

# LiteLLM reads its model price list from the network at import time unless told otherwise.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm  # noqa: E402
import pytest  # noqa: E402
from langchain_core.messages import AIMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from langchain_openai import ChatOpenAI  # noqa: E402

from conftest import ANTHROPIC_KEY, GOOD_KEY  # noqa: E402
from helpers import CHAT_MODEL, unique_word  # noqa: E402

CROSS = "anthropic/claude-haiku-4-5"


def _headers(seen: dict) -> dict[str, str]:
    return {k.lower(): v for k, v in seen["headers"]}


@tool
def get_weather(location: str) -> str:
    """Current weather of a city."""
    return f"Sunny in {location}"


def _chat(gateway, model: str, prefix: str = "/langchain/v1") -> ChatOpenAI:
    return ChatOpenAI(base_url=f"{gateway.url}{prefix}", api_key="sk-caller", model=model, max_retries=0)


@pytest.mark.parametrize("prefix", ["/langchain/v1", "/v1"])
def test_langchain_invoke(gateway, mock_upstream, prefix: str) -> None:
    word = unique_word()
    answer = _chat(gateway, CHAT_MODEL, prefix).invoke(f"hello {word}")
    assert isinstance(answer, AIMessage)
    assert answer.content == f"Echo: hello {word}"
    assert answer.usage_metadata["output_tokens"] == 3
    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["path"] == "/v1/chat/completions"
    assert _headers(seen)["authorization"] == f"Bearer {GOOD_KEY}"


@pytest.mark.parametrize("model", [CHAT_MODEL, CROSS])
def test_langchain_stream(gateway, model: str) -> None:
    word = unique_word()
    pieces = [c.content for c in _chat(gateway, model).stream(f"stream {word} now")]
    assert len([p for p in pieces if p]) > 1
    assert "".join(pieces) == f"Echo: stream {word} now"


def test_langchain_reaches_anthropic(gateway, mock_upstream) -> None:
    word = unique_word()
    answer = _chat(gateway, CROSS).invoke(f"cross {word}")
    assert answer.content == f"Echo: cross {word}"
    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["path"] == "/v1/messages"
    assert _headers(seen)["x-api-key"] == ANTHROPIC_KEY


@pytest.mark.parametrize("model", [CHAT_MODEL, CROSS])
def test_langchain_tool_binding(gateway, model: str) -> None:
    bound = _chat(gateway, model).bind_tools([get_weather])
    answer = bound.invoke("What is the weather in Paris?")
    [call] = answer.tool_calls
    assert call["name"] == "get_weather"
    assert call["args"] == {"location": "Paris"}


@pytest.mark.parametrize("model", [CHAT_MODEL, CROSS])
def test_litellm_completion(gateway, mock_upstream, model: str) -> None:
    word = unique_word()
    resp = litellm.completion(
        model=f"openai/{model}",
        api_base=f"{gateway.url}/litellm/v1",
        api_key="sk-caller",
        messages=[{"role": "user", "content": f"hello {word}"}],
    )
    assert resp.choices[0].message.content == f"Echo: hello {word}"
    assert resp.usage.completion_tokens == 3
    [seen] = mock_upstream.requests_mentioning(word)
    expected = "/v1/messages" if model == CROSS else "/v1/chat/completions"
    assert seen["path"] == expected
    assert "sk-caller" not in json.dumps(seen["headers"])


@pytest.mark.parametrize("model", [CHAT_MODEL, CROSS])
def test_litellm_stream(gateway, model: str) -> None:
    word = unique_word()
    chunks = litellm.completion(
        model=f"openai/{model}",
        api_base=f"{gateway.url}/litellm/v1",
        api_key="sk-caller",
        messages=[{"role": "user", "content": f"stream {word} now"}],
        stream=True,
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == f"Echo: stream {word} now"
