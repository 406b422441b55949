//! Durations as Bifrost's `config.json` writes them: an integer of milliseconds or a Go duration
//! string (`"500ms"`, `"1.5s"`, `"1m30s"`).

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A duration read from an integer of milliseconds or a Go duration string; written as milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Millis(pub Duration);

impl Serialize for Millis {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0.as_millis() as u64)
    }
}

impl<'de> Deserialize<'de> for Millis {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DurationVisitor {
            integer_unit: Duration::from_millis(1),
        })
        .map(Millis)
    }
}

/// A duration read from an integer of nanoseconds (Go's `time.Duration` in JSON) or a duration
/// string; written as nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GoDuration(pub Duration);

impl Serialize for GoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0.as_nanos() as u64)
    }
}

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DurationVisitor {
            integer_unit: Duration::from_nanos(1),
        })
        .map(GoDuration)
    }
}

struct DurationVisitor {
    integer_unit: Duration,
}

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative integer or a duration string like \"500ms\", \"5s\", \"1m\"")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
        // The unit is 1 ns or 1 ms, so its nanosecond count always fits in a u64.
        let unit_nanos = u64::try_from(self.integer_unit.as_nanos()).unwrap_or(u64::MAX);
        Ok(Duration::from_nanos(v.saturating_mul(unit_nanos)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
        u64::try_from(v)
            .map_err(|_| E::custom("a duration cannot be negative"))
            .and_then(|v| self.visit_u64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
        if !(v.is_finite() && v >= 0.0) {
            return Err(E::custom("a duration must be a finite non-negative number"));
        }
        Ok(self.integer_unit.mul_f64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
        parse_go_duration(v).map_err(E::custom)
    }
}

/// Parses a Go duration string: a sequence of decimal numbers with units `ns`, `us`/`µs`, `ms`,
/// `s`, `m`, `h` (`"300ms"`, `"1.5h"`, `"2h45m"`). A bare number is read as seconds.
pub fn parse_go_duration(input: &str) -> Result<Duration, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("empty duration".to_owned());
    }
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Ok(Duration::from_secs_f64(secs));
        }
        return Err(format!("invalid duration {input:?}"));
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("invalid duration {input:?}: missing unit"))?;
        if num_len == 0 {
            return Err(format!(
                "invalid duration {input:?}: use a Go duration string like \"500ms\", \"5s\", \"1m\""
            ));
        }
        let value: f64 = rest[..num_len]
            .parse()
            .map_err(|_| format!("invalid duration {input:?}"))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            other => {
                return Err(format!(
                    "invalid duration {input:?}: unknown unit {other:?}"
                ));
            }
        };
        total += Duration::from_secs_f64(value * scale);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_strings() {
        assert_eq!(
            parse_go_duration("500ms").unwrap(),
            Duration::from_millis(500)
        );
        assert_eq!(parse_go_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(
            parse_go_duration("1.5s").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(parse_go_duration("2").unwrap(), Duration::from_secs(2));
        assert!(parse_go_duration("5 parsecs").is_err());
        assert!(parse_go_duration("ms").is_err());
    }

    #[test]
    fn integers_are_millis_or_nanos() {
        let m: Millis = serde_json::from_str("250").unwrap();
        assert_eq!(m.0, Duration::from_millis(250));
        let m: Millis = serde_json::from_str("\"2s\"").unwrap();
        assert_eq!(m.0, Duration::from_secs(2));
        let g: GoDuration = serde_json::from_str("100000000").unwrap();
        assert_eq!(g.0, Duration::from_millis(100));
        assert!(serde_json::from_str::<Millis>("-5").is_err());
        // Beyond u32::MAX units: 10 s in nanoseconds, 60 days in milliseconds.
        let g: GoDuration = serde_json::from_str("10000000000").unwrap();
        assert_eq!(g.0, Duration::from_secs(10));
        let m: Millis = serde_json::from_str("5184000000").unwrap();
        assert_eq!(m.0, Duration::from_secs(5_184_000));
    }
}
