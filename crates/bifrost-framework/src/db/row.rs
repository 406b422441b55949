//! Rows read by column name, whichever backend produced them.

use sqlx::{Decode, Postgres, Row, Sqlite, Type};

use crate::error::StoreResult;

/// One result row.
pub(crate) enum DbRow {
    Sqlite(sqlx::sqlite::SqliteRow),
    Postgres(sqlx::postgres::PgRow),
}

impl DbRow {
    /// Reads column `col` as `T` (use `Option<T>` for nullable columns).
    pub(crate) fn get<T>(&self, col: &str) -> StoreResult<T>
    where
        T: for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>
            + for<'r> Decode<'r, Postgres>
            + Type<Postgres>,
    {
        Ok(match self {
            Self::Sqlite(r) => r.try_get::<T, _>(col)?,
            Self::Postgres(r) => r.try_get::<T, _>(col)?,
        })
    }

    /// Reads a nullable floating-point column. SQLite hands back an INTEGER for aggregates whose
    /// inputs were all whole numbers, so both storage classes are accepted there.
    pub(crate) fn get_f64(&self, col: &str) -> StoreResult<Option<f64>> {
        match self {
            Self::Sqlite(r) => match r.try_get::<Option<f64>, _>(col) {
                Ok(v) => Ok(v),
                // Aggregates of whole numbers are reported as INTEGER; f64 holds them exactly
                // up to 2^53, far beyond any token count or cost.
                #[allow(clippy::cast_precision_loss)]
                Err(_) => Ok(r.try_get::<Option<i64>, _>(col)?.map(|v| v as f64)),
            },
            Self::Postgres(r) => Ok(r.try_get::<Option<f64>, _>(col)?),
        }
    }
}
