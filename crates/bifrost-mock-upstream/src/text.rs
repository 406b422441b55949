//! Text helpers shared by the generators: word counting ("tokens"),
//! whitespace-preserving word splitting for streaming, `stop` and
//! `max_tokens` handling, and extraction of text from message content.

use serde_json::Value;

/// Number of whitespace-separated words; the mock's notion of a token.
pub(crate) fn count_words(s: &str) -> u64 {
    s.split_whitespace().count() as u64
}

/// Splits `s` into pieces of "word plus the whitespace that follows it".
///
/// Leading whitespace is attached to the first piece, so concatenating the
/// pieces always reproduces `s` exactly. A string with no words yields a
/// single piece (or none if `s` is empty).
pub(crate) fn word_pieces(s: &str) -> Vec<&str> {
    let mut pieces = Vec::with_capacity(s.len() / 4 + 1);
    let mut start = 0;
    let mut in_word = false;
    let mut seen_word = false;
    for (i, c) in s.char_indices() {
        let ws = c.is_whitespace();
        if !ws && !in_word {
            // A new word begins; close the previous piece (if any word in it).
            if seen_word {
                pieces.push(&s[start..i]);
                start = i;
            }
            seen_word = true;
        }
        in_word = !ws;
    }
    if start < s.len() {
        pieces.push(&s[start..]);
    }
    pieces
}

/// The prefix of `s` that ends right after its `n`-th word (or `s` itself if
/// it has at most `n` words). The boolean is true when something was cut.
pub(crate) fn truncate_words(s: &str, n: u64) -> (&str, bool) {
    let mut words = 0u64;
    let mut in_word = false;
    for (i, c) in s.char_indices() {
        let ws = c.is_whitespace();
        if in_word && ws {
            words += 1;
            if words == n {
                return if s[i..].split_whitespace().next().is_some() {
                    (&s[..i], true)
                } else {
                    (s, false)
                };
            }
        }
        if !in_word && !ws && words == n {
            // n words already complete (n == 0 case) and another starts.
            return (s[..i].trim_end(), true);
        }
        in_word = !ws;
    }
    (s, false)
}

/// Cuts `s` before the earliest occurrence of any stop sequence.
pub(crate) fn apply_stop<'a>(s: &'a str, stop: Option<&Value>) -> &'a str {
    let mut cut = s.len();
    let mut consider = |seq: &str| {
        if !seq.is_empty()
            && let Some(pos) = s.find(seq)
        {
            cut = cut.min(pos);
        }
    };
    match stop {
        Some(Value::String(seq)) => consider(seq),
        Some(Value::Array(seqs)) => {
            for seq in seqs {
                if let Some(seq) = seq.as_str() {
                    consider(seq);
                }
            }
        }
        _ => {}
    }
    &s[..cut]
}

/// Applies `stop` then the `max_tokens` word budget; returns the final text
/// and its finish reason (`"stop"` or `"length"`).
pub(crate) fn finish_text(
    full: &str,
    stop: Option<&Value>,
    max_tokens: Option<u64>,
) -> (String, &'static str) {
    let stopped = apply_stop(full, stop);
    match max_tokens {
        Some(limit) => {
            let (cut, truncated) = truncate_words(stopped, limit);
            if truncated {
                (cut.to_owned(), "length")
            } else {
                (stopped.to_owned(), "stop")
            }
        }
        None => (stopped.to_owned(), "stop"),
    }
}

/// Appends the text of a message `content` value to `out`: a string as is,
/// an array of parts by concatenating their `text` fields.
pub(crate) fn push_content_text(content: Option<&Value>, out: &mut String) {
    match content {
        Some(Value::String(s)) => out.push_str(s),
        Some(Value::Array(parts)) => {
            for part in parts {
                match part {
                    Value::String(s) => out.push_str(s),
                    Value::Object(obj) => {
                        if let Some(Value::String(t)) = obj.get("text") {
                            out.push_str(t);
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// The text of a message `content` value.
pub(crate) fn content_text(content: Option<&Value>) -> String {
    let mut out = String::new();
    push_content_text(content, &mut out);
    out
}

/// Counts words in a message `content` value without building a string for
/// plain-string content.
pub(crate) fn content_words(content: Option<&Value>) -> u64 {
    match content {
        Some(Value::String(s)) => count_words(s),
        Some(Value::Array(parts)) => parts
            .iter()
            .map(|p| match p {
                Value::String(s) => count_words(s),
                Value::Object(obj) => obj
                    .get("text")
                    .and_then(Value::as_str)
                    .map_or(0, count_words),
                _ => 0,
            })
            .sum(),
        _ => 0,
    }
}

/// Splits `s` into roughly `parts` pieces at character boundaries (used for
/// streaming tool-call arguments). Never returns an empty list for a
/// non-empty string.
pub(crate) fn split_even(s: &str, parts: usize) -> Vec<&str> {
    let parts = parts.max(1);
    let total = s.chars().count();
    if total == 0 {
        return Vec::new();
    }
    let per = total.div_ceil(parts);
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    for (n, (i, _)) in s.char_indices().enumerate() {
        if n > 0 && n % per == 0 {
            out.push(&s[start..i]);
            start = i;
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pieces_roundtrip() {
        for s in [
            "Echo: hello world",
            "  lead and trail  ",
            "a\nb\t\tc",
            "",
            "   ",
            "single",
        ] {
            let pieces = word_pieces(s);
            assert_eq!(pieces.concat(), s, "{s:?}");
            let nonblank = pieces.iter().filter(|p| !p.trim().is_empty()).count() as u64;
            assert_eq!(nonblank, count_words(s), "{s:?}");
        }
        assert_eq!(
            word_pieces("Echo: hello world"),
            vec!["Echo: ", "hello ", "world"]
        );
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate_words("a b c", 2), ("a b", true));
        assert_eq!(truncate_words("a b c", 3), ("a b c", false));
        assert_eq!(truncate_words("a b c ", 3), ("a b c ", false));
        assert_eq!(truncate_words("a b c", 5), ("a b c", false));
        assert_eq!(truncate_words("a b", 0), ("", true));
        assert_eq!(truncate_words("a b  ", 2), ("a b  ", false));
    }

    #[test]
    fn stop_sequences() {
        assert_eq!(
            apply_stop("Echo: one two", Some(&json!("two"))),
            "Echo: one "
        );
        assert_eq!(
            apply_stop("Echo: one two", Some(&json!(["zzz", "one", "two"]))),
            "Echo: "
        );
        assert_eq!(apply_stop("Echo: one", Some(&json!(""))), "Echo: one");
        assert_eq!(apply_stop("Echo: one", None), "Echo: one");
    }

    #[test]
    fn finish_reasons() {
        assert_eq!(
            finish_text("Echo: a b c", None, Some(2)),
            ("Echo: a".to_owned(), "length")
        );
        assert_eq!(
            finish_text("Echo: a b c", Some(&json!("b")), Some(10)),
            ("Echo: a ".to_owned(), "stop")
        );
        assert_eq!(
            finish_text("Echo: a b c", None, Some(4)),
            ("Echo: a b c".to_owned(), "stop")
        );
    }

    #[test]
    fn content_extraction() {
        let parts = json!([{"type":"text","text":"Hello "},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"there"}]);
        assert_eq!(content_text(Some(&parts)), "Hello there");
        assert_eq!(content_words(Some(&parts)), 2);
        assert_eq!(content_text(Some(&json!("hi"))), "hi");
        assert_eq!(content_text(None), "");
    }

    #[test]
    fn even_split() {
        let s = r#"{"location":"Paris"}"#;
        let parts = split_even(s, 3);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.concat(), s);
        assert_eq!(split_even("ab", 3).concat(), "ab");
        assert!(split_even("", 3).is_empty());
    }
}
