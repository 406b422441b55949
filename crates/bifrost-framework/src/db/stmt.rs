//! Statements: SQL text with `$N` placeholders and the typed values bound to them.

use std::borrow::Cow;
use std::fmt::Write;

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    /// TEXT (NULL when `None`).
    Text(Option<String>),
    /// BIGINT / INTEGER (NULL when `None`).
    Int(Option<i64>),
    /// DOUBLE PRECISION / REAL (NULL when `None`).
    Float(Option<f64>),
    /// BOOLEAN.
    Bool(bool),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_owned()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Self::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Self::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Self::Text(v.map(str::to_owned))
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Self::Float(Some(v))
    }
}
impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Self {
        Self::Float(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

/// SQL text plus its arguments, in placeholder order.
#[derive(Debug, Clone)]
pub(crate) struct Stmt {
    pub(crate) sql: Cow<'static, str>,
    pub(crate) args: Vec<Arg>,
}

impl Stmt {
    /// A statement from constant SQL; bind its `$N` placeholders in order with [`Stmt::bind`].
    pub(crate) fn new(sql: &'static str) -> Self {
        Self {
            sql: Cow::Borrowed(sql),
            args: Vec::new(),
        }
    }

    /// Binds the next placeholder.
    pub(crate) fn bind(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// The SQL in SQLite's placeholder style. SQLite accepts `$N`, but keeps named and
    /// numbered (`?N`) parameters in a list that sqlx searches linearly for every bound value,
    /// so a 500-row insert with 13,500 placeholders would spend seconds there. When every
    /// placeholder appears once, in order (all [`SqlBuilder`] output), they become anonymous
    /// `?`; otherwise `?N`. The statements hold no string literal with a `$`, so a textual
    /// rewrite is exact.
    pub(crate) fn sqlite_sql(&self) -> Cow<'static, str> {
        if !self.sql.contains('$') {
            return self.sql.clone();
        }
        let mut numbers = Vec::new();
        let mut rest = self.sql.as_ref();
        while let Some(i) = rest.find('$') {
            rest = &rest[i + 1..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if let Ok(n) = rest[..digits].parse::<usize>() {
                numbers.push(n);
            }
            rest = &rest[digits..];
        }
        let sequential = numbers.iter().enumerate().all(|(i, n)| *n == i + 1);
        let mut out = String::with_capacity(self.sql.len());
        let mut chars = self.sql.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                out.push('?');
                if sequential {
                    while chars.peek().is_some_and(char::is_ascii_digit) {
                        chars.next();
                    }
                }
            } else {
                out.push(c);
            }
        }
        Cow::Owned(out)
    }
}

/// Builds SQL from constant fragments and bound values. Only [`SqlBuilder::push`] adds text, and
/// callers pass it constants and column names chosen from fixed lists, never input; every value
/// goes through [`SqlBuilder::bind`].
#[derive(Debug, Default)]
pub(crate) struct SqlBuilder {
    sql: String,
    args: Vec<Arg>,
}

impl SqlBuilder {
    /// Starts with `sql`.
    pub(crate) fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_owned(),
            args: Vec::new(),
        }
    }

    /// Appends constant SQL.
    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `arg`.
    pub(crate) fn bind(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        // Writing to a String cannot fail.
        let _ = write!(self.sql, "${}", self.args.len());
        self
    }

    /// Appends `(p1, p2, ...)` bound to `args`.
    pub(crate) fn bind_list<I, A>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = A>,
        A: Into<Arg>,
    {
        self.sql.push('(');
        for (i, a) in args.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind(a);
        }
        self.sql.push(')');
        self
    }

    /// The number of values bound so far.
    pub(crate) fn arg_count(&self) -> usize {
        self.args.len()
    }

    /// The finished statement.
    pub(crate) fn finish(self) -> Stmt {
        Stmt {
            sql: Cow::Owned(self.sql),
            args: self.args,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut b = SqlBuilder::new("SELECT * FROM logs WHERE provider IN ");
        b.bind_list(["a", "b"])
            .push(" AND total_tokens >= ")
            .bind(5_i64);
        let s = b.finish();
        assert_eq!(
            s.sql,
            "SELECT * FROM logs WHERE provider IN ($1, $2) AND total_tokens >= $3"
        );
        assert_eq!(
            s.args,
            vec![Arg::from("a"), Arg::from("b"), Arg::Int(Some(5))]
        );
        assert_eq!(
            s.sqlite_sql(),
            "SELECT * FROM logs WHERE provider IN (?, ?) AND total_tokens >= ?"
        );
        assert_eq!(Stmt::new("SELECT 1").sqlite_sql(), "SELECT 1");
        assert_eq!(
            Stmt::new("SELECT a FROM t WHERE a = $1 OR b = $2 ORDER BY a = $1").sqlite_sql(),
            "SELECT a FROM t WHERE a = ?1 OR b = ?2 ORDER BY a = ?1"
        );
    }
}
