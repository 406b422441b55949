"""The official async client under concurrency."""

from __future__ import annotations

import asyncio

from helpers import CHAT_MODEL, EMBEDDING_MODEL, unique_word


def test_twenty_concurrent_chat_requests(async_client, mock_upstream) -> None:
    word = unique_word()

    async def run() -> list:
        async with async_client() as client:
            return await asyncio.gather(
                *(
                    client.chat.completions.create(
                        model=CHAT_MODEL,
                        messages=[{"role": "user", "content": f"request {i} {word}"}],
                    )
                    for i in range(20)
                )
            )

    responses = asyncio.run(run())
    # Every answer belongs to its own request: no cross-talk between concurrent calls.
    assert [r.choices[0].message.content for r in responses] == [
        f"Echo: request {i} {word}" for i in range(20)
    ]
    assert len({r.id for r in responses}) == 20
    assert len(mock_upstream.requests_mentioning(word)) == 20


def test_concurrent_streams_and_embeddings(async_client) -> None:
    async def stream_text(client, i: int) -> str:
        stream = await client.chat.completions.create(
            model=CHAT_MODEL,
            messages=[{"role": "user", "content": f"stream number {i}"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        text = ""
        async for chunk in stream:
            if chunk.choices:
                text += chunk.choices[0].delta.content or ""
        return text

    async def embed(client, i: int) -> int:
        resp = await client.embeddings.create(model=EMBEDDING_MODEL, input=f"embed {i}")
        return len(resp.data[0].embedding)

    async def run():
        async with async_client() as client:
            texts = asyncio.gather(*(stream_text(client, i) for i in range(10)))
            sizes = asyncio.gather(*(embed(client, i) for i in range(10)))
            return await asyncio.gather(texts, sizes)

    texts, sizes = asyncio.run(run())
    assert texts == [f"Echo: stream number {i}" for i in range(10)]
    assert sizes == [8] * 10
