// The Vercel AI SDK (`ai` with `@ai-sdk/openai` and `@ai-sdk/anthropic`) against the gateway's
// /openai/v1 and /anthropic/v1 drop-in routes: only `baseURL` changes. A `provider/model` name
// reaches a provider of the other family through the same route.
//
//   BIFROST_URL=http://127.0.0.1:PORT node --test
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText, tool } from 'ai';
import { z } from 'zod';

const base = process.env.BIFROST_URL;
assert.ok(base, 'BIFROST_URL must point at a running gateway');

const openai = createOpenAI({ baseURL: `${base}/openai/v1`, apiKey: 'sk-caller-own-key' });
const anthropic = createAnthropic({ baseURL: `${base}/anthropic/v1`, apiKey: 'sk-ant-caller-own-key' });

const word = () => `tag${randomUUID().replaceAll('-', '').slice(0, 12)}`;

const models = {
  'openai chat': () => openai.chat('openai/gpt-4o-mini'),
  'openai responses': () => openai.responses('openai/gpt-4o-mini'),
  'openai route to anthropic': () => openai.chat('anthropic/claude-haiku-4-5'),
  'anthropic': () => anthropic('claude-haiku-4-5'),
  'anthropic route to openai': () => anthropic('openai/gpt-4o'),
};

for (const [name, model] of Object.entries(models)) {
  test(`generateText: ${name}`, async () => {
    const w = word();
    const result = await generateText({ model: model(), prompt: `hello ${w}`, maxRetries: 0 });
    assert.equal(result.text, `Echo: hello ${w}`);
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.usage.outputTokens, 3);
  });

  test(`streamText: ${name}`, async () => {
    const w = word();
    const result = streamText({ model: model(), prompt: `stream ${w} now`, maxRetries: 0 });
    const pieces = [];
    for await (const piece of result.textStream) pieces.push(piece);
    assert.ok(pieces.length > 1, `streamed in pieces: ${JSON.stringify(pieces)}`);
    assert.equal(pieces.join(''), `Echo: stream ${w} now`);
    assert.equal(await result.finishReason, 'stop');
    assert.ok((await result.usage).outputTokens > 0);
  });
}

test('tool calls: openai route to anthropic and back', async () => {
  const weather = tool({
    description: 'Current weather of a city',
    inputSchema: z.object({ location: z.string() }),
  });
  for (const model of [openai.chat('anthropic/claude-haiku-4-5'), anthropic('openai/gpt-4o')]) {
    const result = await generateText({
      model,
      prompt: 'What is the weather in Paris?',
      tools: { get_weather: weather },
      maxRetries: 0,
    });
    assert.equal(result.finishReason, 'tool-calls');
    assert.equal(result.toolCalls.length, 1);
    assert.equal(result.toolCalls[0].toolName, 'get_weather');
    assert.deepEqual(result.toolCalls[0].input, { location: 'Paris' });
  }
});

test('errors surface as API call errors with the status', async () => {
  await assert.rejects(
    generateText({ model: openai.chat('openai/error-429'), prompt: 'hi', maxRetries: 0 }),
    (err) => err.statusCode === 429 || err.lastError?.statusCode === 429,
  );
  await assert.rejects(
    generateText({ model: anthropic('error-404'), prompt: 'hi', maxRetries: 0 }),
    (err) => err.statusCode === 404 || err.lastError?.statusCode === 404,
  );
});
