//! `message_template` rendering: `{{provider}}`, `{{model}}` and `{{faker.<kind>[:args]}}`.
//!
//! One left-to-right pass, no regular expression; an unknown faker kind is left as written.

use crate::faker::fake;
use crate::random::Random;

const FAKER_PREFIX: &str = "{{faker.";

/// Renders `template` for a request to `provider` / `model`.
pub(crate) fn render(template: &str, provider: &str, model: &str, rng: &Random) -> String {
    if !template.contains("{{") {
        return template.to_owned();
    }
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        if let Some(after) = rest.strip_prefix("{{provider}}") {
            out.push_str(provider);
            rest = after;
        } else if let Some(after) = rest.strip_prefix("{{model}}") {
            out.push_str(model);
            rest = after;
        } else if let Some((method, after)) = faker_placeholder(rest) {
            match fake(method, rng) {
                Some(value) => out.push_str(&value),
                None => out.push_str(&rest[..rest.len() - after.len()]),
            }
            rest = after;
        } else {
            // Not a placeholder: keep one brace and look again from the next character, so
            // that `{{{model}}` still finds `{{model}}`.
            out.push('{');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// `{{faker.<method>}}` at the start of `text`: the method (non-empty, without `}`) and the
/// text after the placeholder.
fn faker_placeholder(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_prefix(FAKER_PREFIX)?;
    let end = body.find('}')?;
    if end == 0 {
        return None;
    }
    let after = body[end..].strip_prefix("}}")?;
    Some((&body[..end], after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(template: &str) -> String {
        render(template, "openai", "gpt-4o", &Random::seeded(3))
    }

    #[test]
    fn replaces_provider_and_model() {
        assert_eq!(
            r("Hello from {{provider}}/{{model}}!"),
            "Hello from openai/gpt-4o!"
        );
        assert_eq!(r("{{model}}{{model}}"), "gpt-4ogpt-4o");
        assert_eq!(r("{{{model}}}"), "{gpt-4o}");
    }

    #[test]
    fn leaves_plain_text_and_unknown_placeholders() {
        assert_eq!(r("no placeholders"), "no placeholders");
        assert_eq!(r("{{user}} and {{faker.}}"), "{{user}} and {{faker.}}");
        assert_eq!(r("{{faker.nope:3}}!"), "{{faker.nope:3}}!");
        assert_eq!(r("{{faker.name"), "{{faker.name");
        assert_eq!(r("tail {{"), "tail {{");
    }

    #[test]
    fn expands_faker_placeholders() {
        let out = r("id={{faker.uuid}} n={{faker.integer:7,7}} ok={{faker.boolean}}");
        let id = out.strip_prefix("id=").unwrap().split(' ').next().unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{out}");
        assert!(out.contains(" n=7 "), "{out}");
        assert!(
            out.ends_with("ok=true") || out.ends_with("ok=false"),
            "{out}"
        );
    }

    #[test]
    fn the_same_seed_renders_the_same_text() {
        let t = "{{faker.name}} <{{faker.email}}> {{faker.sentence:5}}";
        assert_eq!(
            render(t, "p", "m", &Random::seeded(9)),
            render(t, "p", "m", &Random::seeded(9))
        );
    }
}
