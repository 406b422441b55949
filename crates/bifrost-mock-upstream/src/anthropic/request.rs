//! Reading and validating a Messages API request the way Anthropic does: required fields,
//! unknown fields, roles, tool_use/tool_result pairing and thinking signatures, each with an
//! Anthropic-style `invalid_request_error` message.

use serde_json::Value;

use crate::text::count_words;

/// Top-level fields the Messages API accepts; anything else is "Extra inputs are not permitted".
const KNOWN_FIELDS: &[&str] = &[
    "model",
    "messages",
    "max_tokens",
    "system",
    "metadata",
    "stop_sequences",
    "stream",
    "temperature",
    "top_p",
    "top_k",
    "tools",
    "tool_choice",
    "thinking",
    "service_tier",
    "output_config",
    "output_format",
    "container",
    "context_management",
    "mcp_servers",
    "inference_geo",
    "cache_control",
];

/// Prefix of the mock's `redacted_thinking` payloads.
pub(crate) const REDACTED_PREFIX: &str = "RDCT";

/// The signature the mock puts on a thinking block (and checks when it comes back).
pub(crate) fn signature_for(thinking: &str) -> String {
    // FNV-1a: deterministic and dependency-free.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in thinking.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("EqMockSig{h:016x}")
}

/// Prompt size in mock tokens (words).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PromptCount {
    /// Every prompt word.
    pub total: u64,
    /// Words up to and including the last `cache_control` breakpoint (reported as cache writes).
    pub cached: u64,
}

/// A validated request.
#[derive(Debug)]
pub(crate) struct Conversation {
    pub model: String,
    pub max_tokens: u64,
    pub stream: bool,
    pub prompt: PromptCount,
    /// Text of the last user turn's text blocks.
    pub last_user: String,
    /// Contents of the tool results when the last turn answers tool calls.
    pub tool_results: Option<String>,
    pub tools: Vec<Value>,
    pub tool_choice: Option<Value>,
    pub thinking: bool,
    pub json: bool,
    pub stop_sequences: Vec<String>,
}

fn kind(v: &Value) -> &str {
    v.get("type").and_then(Value::as_str).unwrap_or_default()
}

/// The blocks of a `content` value (a string is one text block).
fn blocks(content: Option<&Value>) -> Vec<Value> {
    match content {
        Some(Value::String(s)) => vec![serde_json::json!({"type": "text", "text": s})],
        Some(Value::Array(b)) => b.clone(),
        _ => Vec::new(),
    }
}

fn block_words(block: &Value) -> u64 {
    match kind(block) {
        "text" => block
            .get("text")
            .and_then(Value::as_str)
            .map_or(0, count_words),
        "tool_result" => blocks(block.get("content")).iter().map(block_words).sum(),
        _ => 0,
    }
}

fn block_text(block: &Value) -> String {
    match kind(block) {
        "text" => block
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        "tool_result" => blocks(block.get("content"))
            .iter()
            .map(block_text)
            .collect(),
        _ => String::new(),
    }
}

fn count_prompt(system: Option<&Value>, messages: &[Value]) -> PromptCount {
    let mut count = PromptCount::default();
    let all = blocks(system)
        .into_iter()
        .chain(messages.iter().flat_map(|m| blocks(m.get("content"))));
    for block in all {
        count.total += block_words(&block);
        if block.get("cache_control").is_some() {
            count.cached = count.total;
        }
    }
    count
}

fn tool_use_ids(message: &Value) -> Vec<String> {
    blocks(message.get("content"))
        .iter()
        .filter(|b| kind(b) == "tool_use")
        .filter_map(|b| b.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn validate_messages(messages: &[Value]) -> Result<(), String> {
    for (i, m) in messages.iter().enumerate() {
        let role = m.get("role").and_then(Value::as_str).unwrap_or_default();
        if role != "user" && role != "assistant" {
            return Err(format!(
                "messages.{i}.role: Input should be 'user' or 'assistant'"
            ));
        }
        if m.get("content").is_none() {
            return Err(format!("messages.{i}.content: Field required"));
        }
        let content = blocks(m.get("content"));
        for (j, b) in content.iter().enumerate() {
            match kind(b) {
                "thinking" if role == "assistant" => {
                    let text = b
                        .get("thinking")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let sig = b
                        .get("signature")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    if sig != signature_for(text) {
                        return Err(format!(
                            "messages.{i}.content.{j}: Invalid `signature` in `thinking` block"
                        ));
                    }
                }
                "redacted_thinking" if role == "assistant" => {
                    let data = b.get("data").and_then(Value::as_str).unwrap_or_default();
                    if !data.starts_with(REDACTED_PREFIX) {
                        return Err(format!(
                            "messages.{i}.content.{j}: Invalid `data` in `redacted_thinking` block"
                        ));
                    }
                }
                "tool_result" => {
                    let id = b
                        .get("tool_use_id")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let previous = i.checked_sub(1).map(|p| tool_use_ids(&messages[p]));
                    if !previous.is_some_and(|ids| ids.iter().any(|x| x == id)) {
                        return Err(format!(
                            "messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: {id}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
                        ));
                    }
                }
                "image" => {
                    validate_image(b).map_err(|e| format!("messages.{i}.content.{j}.{e}"))?
                }
                _ => {}
            }
        }
        if role == "assistant"
            && let Some(next) = messages.get(i + 1)
        {
            let answered: Vec<String> = blocks(next.get("content"))
                .iter()
                .filter(|b| kind(b) == "tool_result")
                .filter_map(|b| {
                    b.get("tool_use_id")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect();
            let missing: Vec<String> = tool_use_ids(m)
                .into_iter()
                .filter(|id| !answered.contains(id))
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: {}. Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
                    missing.join(", ")
                ));
            }
        }
    }
    Ok(())
}

fn validate_image(block: &Value) -> Result<(), String> {
    let source = block.get("source").ok_or("source: Field required")?;
    match kind(source) {
        "base64" => {
            let media = source
                .get("media_type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !matches!(
                media,
                "image/jpeg" | "image/png" | "image/gif" | "image/webp"
            ) {
                return Err("source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'".to_owned());
            }
            if source.get("data").and_then(Value::as_str).is_none() {
                return Err("source.base64.data: Field required".to_owned());
            }
            Ok(())
        }
        "url" if source.get("url").and_then(Value::as_str).is_some() => Ok(()),
        "url" => Err("source.url.url: Field required".to_owned()),
        "file" => Ok(()),
        other => Err(format!(
            "source: Input tag '{other}' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'"
        )),
    }
}

fn validate_tools(tools: &[Value]) -> Result<(), String> {
    for (i, t) in tools.iter().enumerate() {
        if t.get("name").and_then(Value::as_str).is_none() {
            return Err(format!("tools.{i}.custom.name: Field required"));
        }
        if t.get("type").is_none() && t.get("input_schema").is_none() {
            return Err(format!("tools.{i}.custom.input_schema: Field required"));
        }
    }
    Ok(())
}

fn is_json_output(body: &Value) -> bool {
    let format = body
        .get("output_config")
        .and_then(|c| c.get("format"))
        .or_else(|| body.get("output_format"));
    format.is_some_and(|f| kind(f) == "json_schema")
}

/// Validates a `/v1/messages` body (`count_only` for `/v1/messages/count_tokens`, which needs no
/// `max_tokens`).
pub(crate) fn parse(body: &Value, count_only: bool) -> Result<Conversation, String> {
    let obj = body.as_object().ok_or("body: Input should be an object")?;
    if !count_only && let Some(extra) = obj.keys().find(|k| !KNOWN_FIELDS.contains(&k.as_str())) {
        return Err(format!("{extra}: Extra inputs are not permitted"));
    }
    let model = obj
        .get("model")
        .and_then(Value::as_str)
        .ok_or("model: Field required")?
        .to_owned();
    let max_tokens = match obj.get("max_tokens") {
        None if count_only => 0,
        None => return Err("max_tokens: Field required".to_owned()),
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => n,
            _ => return Err("max_tokens: Input should be greater than or equal to 1".to_owned()),
        },
    };
    let messages = obj
        .get("messages")
        .and_then(Value::as_array)
        .ok_or("messages: Field required")?;
    if messages.is_empty() {
        return Err("messages: at least one message is required".to_owned());
    }
    validate_messages(messages)?;
    if let Some(meta) = obj.get("metadata").and_then(Value::as_object)
        && let Some(k) = meta.keys().find(|k| k.as_str() != "user_id")
    {
        return Err(format!("metadata.{k}: Extra inputs are not permitted"));
    }
    let tools = obj
        .get("tools")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    validate_tools(&tools)?;
    let thinking = obj.get("thinking");
    let thinking_on = thinking.is_some_and(|t| matches!(kind(t), "enabled" | "adaptive"));
    if let Some(t) = thinking.filter(|t| kind(t) == "enabled") {
        let budget = t.get("budget_tokens").and_then(Value::as_u64).unwrap_or(0);
        if budget < 1024 {
            return Err(
                "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
                    .to_owned(),
            );
        }
        if !count_only && budget >= max_tokens {
            return Err("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size".to_owned());
        }
    }
    let last = messages.last();
    let tool_results = last
        .filter(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(|m| blocks(m.get("content")))
        .map(|b| {
            b.iter()
                .filter(|x| kind(x) == "tool_result")
                .map(block_text)
                .collect::<Vec<_>>()
        })
        .filter(|r| !r.is_empty())
        .map(|r| r.join("; "));
    let last_user = messages
        .iter()
        .rev()
        .filter(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(|m| {
            blocks(m.get("content"))
                .iter()
                .filter(|b| kind(b) == "text")
                .map(block_text)
                .collect::<String>()
        })
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    Ok(Conversation {
        model,
        max_tokens,
        stream: obj.get("stream").and_then(Value::as_bool).unwrap_or(false),
        prompt: count_prompt(obj.get("system"), messages),
        last_user,
        tool_results,
        tools,
        tool_choice: obj.get("tool_choice").cloned(),
        thinking: thinking_on,
        json: is_json_output(body),
        stop_sequences: obj
            .get("stop_sequences")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rejects_what_anthropic_rejects() {
        let ok = json!({"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]});
        assert!(parse(&ok, false).is_ok());
        let extra =
            json!({"model":"m","max_tokens":10,"n":2,"messages":[{"role":"user","content":"hi"}]});
        assert_eq!(
            parse(&extra, false).unwrap_err(),
            "n: Extra inputs are not permitted"
        );
        let no_max = json!({"model":"m","messages":[{"role":"user","content":"hi"}]});
        assert_eq!(
            parse(&no_max, false).unwrap_err(),
            "max_tokens: Field required"
        );
        assert!(parse(&no_max, true).is_ok());
        let orphan = json!({"model":"m","max_tokens":10,"messages":[
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"x","content":"1"}]}]});
        assert!(
            parse(&orphan, false)
                .unwrap_err()
                .contains("unexpected `tool_use_id`")
        );
        let forged = json!({"model":"m","max_tokens":10,"messages":[
            {"role":"user","content":"a"},
            {"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"nope"},{"type":"text","text":"b"}]},
            {"role":"user","content":"c"}]});
        assert!(
            parse(&forged, false)
                .unwrap_err()
                .contains("Invalid `signature`")
        );
    }

    #[test]
    fn counts_cached_prefix() {
        let body = json!({"model":"m","max_tokens":10,
            "system":[{"type":"text","text":"one two three","cache_control":{"type":"ephemeral"}}],
            "messages":[{"role":"user","content":"four five"}]});
        let c = parse(&body, false).unwrap();
        assert_eq!(
            c.prompt,
            PromptCount {
                total: 5,
                cached: 3
            }
        );
        assert_eq!(c.last_user, "four five");
    }
}
