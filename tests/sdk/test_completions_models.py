"""Legacy text completions and the model list through the official SDK."""

from __future__ import annotations

import openai
from openai.types import Completion, Model

from helpers import INSTRUCT_MODEL, unique_word


def test_legacy_completion(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    resp = client.completions.create(model=INSTRUCT_MODEL, prompt=f"Say this {word}", max_tokens=16)
    assert isinstance(resp, Completion)
    assert resp.object == "text_completion"
    assert resp.model == "gpt-3.5-turbo-instruct"
    [choice] = resp.choices
    assert choice.text == f"Echo: Say this {word}"
    assert choice.finish_reason == "stop"
    assert resp.usage is not None
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens, resp.usage.total_tokens) == (3, 4, 7)
    assert resp.model_extra["extra_fields"]["request_type"] == "text_completion"

    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["path"] == "/v1/completions"
    assert seen["json"]["model"] == "gpt-3.5-turbo-instruct"
    assert seen["json"]["max_tokens"] == 16


def test_legacy_completion_parameters_reach_the_upstream(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    params = {
        "suffix": "!",
        "echo": False,
        "logprobs": 1,
        "best_of": 1,
        "n": 1,
        "temperature": 0.0,
        "stop": ["\n"],
        "seed": 3,
        "user": "u-1",
    }
    resp = client.completions.create(model=INSTRUCT_MODEL, prompt=word, **params)
    assert resp.choices[0].text == f"Echo: {word}"
    [seen] = mock_upstream.requests_mentioning(word)
    for name, value in params.items():
        assert seen["json"].get(name) == value, name


def test_legacy_completion_prompt_list(client: openai.OpenAI) -> None:
    resp = client.completions.create(model=INSTRUCT_MODEL, prompt=["first", "second"])
    assert sorted((c.index, c.text) for c in resp.choices) == [(0, "Echo: first"), (1, "Echo: second")]


def test_models_list(client: openai.OpenAI) -> None:
    page = client.models.list()
    models = list(page)
    assert all(isinstance(m, Model) for m in models)
    ids = {m.id for m in models}
    # Every provider with a working key lists the mock's models, prefixed with its name.
    for provider in ("openai", "groq", "mistral"):
        assert f"{provider}/gpt-4o-mini" in ids
        assert f"{provider}/text-embedding-3-small" in ids
    assert all(m.object == "model" for m in models)
    mini = next(m for m in models if m.id == "openai/gpt-4o-mini")
    assert mini.created == 1_721_172_741
    assert mini.owned_by == "system"


def test_models_list_for_one_provider(client: openai.OpenAI) -> None:
    models = list(client.models.list(extra_query={"provider": "openai"}))
    assert sorted(m.id for m in models) == [
        "openai/gpt-4o",
        "openai/gpt-4o-mini",
        "openai/text-embedding-3-small",
    ]
