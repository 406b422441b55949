//! Converse / ConverseStream answers.
//!
//! Deterministic behaviour, mirroring the OpenAI mock:
//! * the answer is `"Echo: " + <text of the last user message>`; after tool results it is
//!   `"Tool said: " + <their text or JSON>`;
//! * `toolConfig.toolChoice` `tool` forces that tool, `any` the first one; with `auto` (or none)
//!   a last user message mentioning "weather" calls the first tool, twice when it also mentions
//!   "parallel". Tool inputs are built from the tool's schema: `location` is `"Paris"` /
//!   `"London"`, any other string property gets the echo text;
//! * `additionalModelRequestFields.thinking.type == "enabled"` adds a signed reasoning block;
//! * `inferenceConfig.stopSequences` cut the text (`stop_sequence`), `maxTokens` truncates it by
//!   words (`max_tokens`);
//! * a token is a whitespace-separated word; with a `cachePoint` in `system`, the system words
//!   are reported as `cacheReadInputTokens`.
//!
//! Requests are checked the way Bedrock checks them: the conversation must start with a user
//! message and alternate roles, text blocks must not be blank, tool blocks need a `toolConfig`,
//! images need a known format and valid base64.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::text::{apply_stop, count_words, split_even, truncate_words, word_pieces};

/// A rejected request: (`x-amzn-errortype`, message); always status 400.
pub(crate) type Invalid = (&'static str, String);

/// What the model answers.
#[derive(Debug)]
pub(crate) struct Reply {
    reasoning: Option<String>,
    body: Body,
    stop_reason: &'static str,
    input_tokens: u64,
    cache_read: Option<u64>,
    output_tokens: u64,
}

#[derive(Debug)]
enum Body {
    Text(String),
    /// (id, name, input JSON text)
    Tools(Vec<(String, String, String)>),
}

const SIGNATURE: &str = "bW9jay1yZWFzb25pbmctc2lnbmF0dXJl";
const PADDING: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123";

fn validation(message: impl Into<String>) -> Invalid {
    ("ValidationException", message.into())
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_ascii_lowercase().contains(needle)
}

fn text_of_blocks(blocks: &[Value]) -> String {
    blocks
        .iter()
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect()
}

fn validate(req: &Value) -> Result<&[Value], Invalid> {
    let messages = req
        .get("messages")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            validation("A conversation must start with a user message. Try again with a conversation that starts with a user message.")
        })?;
    let has_tool_config = req.get("toolConfig").is_some();
    let mut previous = "";
    for (i, msg) in messages.iter().enumerate() {
        let role = msg.get("role").and_then(Value::as_str).unwrap_or_default();
        if i == 0 && role != "user" {
            return Err(validation(
                "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
            ));
        }
        if role == previous {
            return Err(validation(
                "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.",
            ));
        }
        previous = role;
        let blocks = msg
            .get("content")
            .and_then(Value::as_array)
            .ok_or_else(|| validation(format!("messages.{i}.content is required")))?;
        for (j, block) in blocks.iter().enumerate() {
            if block.get("text").and_then(Value::as_str) == Some("") {
                return Err(validation(format!(
                    "The text field in the ContentBlock object at messages.{i}.content.{j} is blank. Add text to the text field, and try again."
                )));
            }
            if (block.get("toolUse").is_some() || block.get("toolResult").is_some())
                && !has_tool_config
            {
                return Err(validation(
                    "The toolConfig field must be defined when using toolUse and toolResult content blocks.",
                ));
            }
            if let Some(image) = block.get("image") {
                let format = image
                    .get("format")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let bytes = image
                    .pointer("/source/bytes")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !matches!(format, "png" | "jpeg" | "gif" | "webp")
                    || base64::engine::general_purpose::STANDARD
                        .decode(bytes)
                        .is_err()
                {
                    return Err(validation(format!(
                        "The image at messages.{i}.content.{j} is not valid: format must be png, jpeg, gif or webp and source.bytes base64"
                    )));
                }
            }
        }
    }
    Ok(messages)
}

fn tool_input(schema: Option<&Value>, call: usize, echo: &str) -> String {
    let city = ["Paris", "London"][call.min(1)];
    let props = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .filter(|p| !p.is_empty());
    let Some(props) = props else {
        return json!({ "location": city }).to_string();
    };
    let mut out = serde_json::Map::new();
    for (name, spec) in props {
        let value = match spec.get("type").and_then(Value::as_str) {
            _ if name == "location" => json!(city),
            Some("number" | "integer") => json!(1),
            Some("boolean") => json!(true),
            Some("array") => json!([]),
            Some("object") => json!({}),
            _ => json!(echo),
        };
        out.insert(name.clone(), value);
    }
    Value::Object(out).to_string()
}

/// Plans the answer to a Converse request.
pub(crate) fn plan(req: &Value) -> Result<Reply, Invalid> {
    let messages = validate(req)?;
    let system = req
        .get("system")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let system_words = count_words(&text_of_blocks(system));
    let mut input_words = system_words;
    for msg in messages {
        for block in msg
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(t) = block.get("text").and_then(Value::as_str) {
                input_words += count_words(t);
            }
            if let Some(inner) = block
                .pointer("/toolResult/content")
                .and_then(Value::as_array)
            {
                input_words += count_words(&text_of_blocks(inner));
            }
        }
    }
    let cached = system.iter().any(|b| b.get("cachePoint").is_some());
    let last_user = messages
        .iter()
        .rev()
        .filter(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .find_map(|m| {
            let t = text_of_blocks(m.get("content")?.as_array()?);
            (!t.is_empty()).then_some(t)
        })
        .unwrap_or_default();
    let last_blocks = messages
        .last()
        .and_then(|m| m.get("content"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let results: Vec<String> = last_blocks
        .iter()
        .filter_map(|b| b.get("toolResult"))
        .flat_map(|r| {
            r.get("content")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .map(|c| match (c.get("text"), c.get("json")) {
            (Some(Value::String(t)), _) => t.clone(),
            (_, Some(j)) => j.to_string(),
            _ => String::new(),
        })
        .collect();
    let echo = format!("Echo: {last_user}");
    let thinking = req
        .pointer("/additionalModelRequestFields/thinking/type")
        .and_then(Value::as_str)
        == Some("enabled");
    let reasoning = thinking.then(|| format!("Thinking about: {last_user}"));
    let reasoning_words = reasoning.as_deref().map_or(0, count_words);
    let (body, stop_reason) = if !results.is_empty() {
        text_reply(req, format!("Tool said: {}", results.join(" ")))
    } else if let Some(calls) = tool_calls(req, &last_user, &echo) {
        (Body::Tools(calls), "tool_use")
    } else {
        text_reply(req, echo)
    };
    let output_words = match &body {
        Body::Text(t) => count_words(t),
        Body::Tools(calls) => calls
            .iter()
            .map(|(_, name, input)| count_words(name) + count_words(input))
            .sum(),
    };
    let input_tokens = input_words.max(1);
    Ok(Reply {
        reasoning,
        body,
        stop_reason,
        input_tokens: if cached {
            input_tokens - system_words.min(input_tokens)
        } else {
            input_tokens
        },
        cache_read: cached.then_some(system_words.min(input_tokens)),
        output_tokens: output_words + reasoning_words,
    })
}

fn text_reply(req: &Value, full: String) -> (Body, &'static str) {
    let stop = req.pointer("/inferenceConfig/stopSequences");
    let stopped = apply_stop(&full, stop);
    let cut_by_stop = stopped.len() < full.len();
    if let Some(limit) = req
        .pointer("/inferenceConfig/maxTokens")
        .and_then(Value::as_u64)
    {
        let (cut, truncated) = truncate_words(stopped, limit);
        if truncated {
            return (Body::Text(cut.to_owned()), "max_tokens");
        }
    }
    let reason = if cut_by_stop {
        "stop_sequence"
    } else {
        "end_turn"
    };
    (Body::Text(stopped.to_owned()), reason)
}

fn tool_calls(req: &Value, last_user: &str, echo: &str) -> Option<Vec<(String, String, String)>> {
    let config = req.get("toolConfig")?;
    let tools: Vec<&Value> = config
        .get("tools")?
        .as_array()?
        .iter()
        .filter_map(|t| t.get("toolSpec"))
        .collect();
    let first = *tools.first()?;
    let choice = config.get("toolChoice");
    let chosen = if let Some(name) = choice
        .and_then(|c| c.pointer("/tool/name"))
        .and_then(Value::as_str)
    {
        tools
            .iter()
            .copied()
            .find(|t| t.get("name").and_then(Value::as_str) == Some(name))?
    } else if choice.and_then(|c| c.get("any")).is_some() || contains_ci(last_user, "weather") {
        first
    } else {
        return None;
    };
    let name = chosen.get("name").and_then(Value::as_str)?.to_owned();
    let schema = chosen.pointer("/inputSchema/json");
    let count = if contains_ci(last_user, "parallel") {
        2
    } else {
        1
    };
    Some(
        (0..count)
            .map(|i| {
                (
                    format!("tooluse_mock_{i}"),
                    name.clone(),
                    tool_input(schema, i, echo),
                )
            })
            .collect(),
    )
}

fn usage(reply: &Reply) -> Value {
    let mut u = json!({
        "inputTokens": reply.input_tokens,
        "outputTokens": reply.output_tokens,
        "totalTokens": reply.input_tokens + reply.output_tokens + reply.cache_read.unwrap_or(0),
    });
    if let Some(read) = reply.cache_read {
        u["cacheReadInputTokens"] = json!(read);
        u["cacheWriteInputTokens"] = json!(0);
    }
    u
}

/// The Converse response body.
pub(crate) fn response(reply: &Reply) -> Value {
    let mut content = Vec::new();
    if let Some(r) = &reply.reasoning {
        content.push(
            json!({"reasoningContent": {"reasoningText": {"text": r, "signature": SIGNATURE}}}),
        );
    }
    match &reply.body {
        Body::Text(t) => content.push(json!({ "text": t })),
        Body::Tools(calls) => {
            for (id, name, input) in calls {
                let input: Value = serde_json::from_str(input).unwrap_or(Value::Null);
                content.push(json!({"toolUse": {"toolUseId": id, "name": name, "input": input}}));
            }
        }
    }
    json!({
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": reply.stop_reason,
        "usage": usage(reply),
        "metrics": {"latencyMs": 1},
    })
}

/// The ConverseStream events as (`:event-type`, payload), and how many of them are content
/// events (before `messageStop`).
pub(crate) fn events(reply: &Reply) -> (Vec<(&'static str, Value)>, usize) {
    let mut out: Vec<(&'static str, Value)> = vec![("messageStart", json!({"role": "assistant"}))];
    let mut index = 0u32;
    if let Some(r) = &reply.reasoning {
        for piece in word_pieces(r) {
            out.push((
                "contentBlockDelta",
                json!({"contentBlockIndex": index, "delta": {"reasoningContent": {"text": piece}}}),
            ));
        }
        out.push(("contentBlockDelta", json!({"contentBlockIndex": index, "delta": {"reasoningContent": {"signature": SIGNATURE}}})));
        out.push(("contentBlockStop", json!({ "contentBlockIndex": index })));
        index += 1;
    }
    match &reply.body {
        Body::Text(t) => {
            for piece in word_pieces(t) {
                out.push((
                    "contentBlockDelta",
                    json!({"contentBlockIndex": index, "delta": {"text": piece}}),
                ));
            }
            out.push(("contentBlockStop", json!({ "contentBlockIndex": index })));
        }
        Body::Tools(calls) => {
            for (id, name, input) in calls {
                out.push(("contentBlockStart", json!({"contentBlockIndex": index, "start": {"toolUse": {"toolUseId": id, "name": name}}})));
                for fragment in split_even(input, 3) {
                    out.push(("contentBlockDelta", json!({"contentBlockIndex": index, "delta": {"toolUse": {"input": fragment}}})));
                }
                out.push(("contentBlockStop", json!({ "contentBlockIndex": index })));
                index += 1;
            }
        }
    }
    let content_end = out.len();
    out.push(("messageStop", json!({ "stopReason": reply.stop_reason })));
    out.push((
        "metadata",
        json!({"usage": usage(reply), "metrics": {"latencyMs": 1}}),
    ));
    for (_, payload) in &mut out {
        // Bedrock pads every event payload with a `p` field.
        payload["p"] = json!(&PADDING[..(payload.to_string().len() % PADDING.len())]);
    }
    (out, content_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_tools_and_limits() {
        let req = json!({
            "system": [{"text": "be brief"}],
            "messages": [{"role": "user", "content": [{"text": "hello there"}]}]
        });
        let v = response(&plan(&req).unwrap());
        assert_eq!(
            v["output"]["message"]["content"][0]["text"],
            "Echo: hello there"
        );
        assert_eq!(v["stopReason"], "end_turn");
        assert_eq!(v["usage"]["inputTokens"], 4);
        assert_eq!(v["usage"]["outputTokens"], 3);
        let req = json!({
            "messages": [{"role": "user", "content": [{"text": "weather in parallel"}]}],
            "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object", "properties": {"location": {"type": "string"}}}}}}]}
        });
        let v = response(&plan(&req).unwrap());
        assert_eq!(v["stopReason"], "tool_use");
        assert_eq!(
            v["output"]["message"]["content"][1]["toolUse"]["input"]["location"],
            "London"
        );
        let req = json!({
            "messages": [{"role": "user", "content": [{"text": "one two three four"}]}],
            "inferenceConfig": {"maxTokens": 2}
        });
        let v = response(&plan(&req).unwrap());
        assert_eq!(v["stopReason"], "max_tokens");
        assert_eq!(v["output"]["message"]["content"][0]["text"], "Echo: one");
    }

    #[test]
    fn bedrock_validation_errors() {
        let bad = json!({"messages": [{"role": "user", "content": [{"text": "a"}]}, {"role": "user", "content": [{"text": "b"}]}]});
        assert!(plan(&bad).unwrap_err().1.contains("alternate"));
        let blank = json!({"messages": [{"role": "user", "content": [{"text": ""}]}]});
        assert!(plan(&blank).unwrap_err().1.contains("blank"));
    }
}
