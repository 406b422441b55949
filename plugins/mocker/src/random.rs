//! The mocker's source of randomness: the lock-free thread-local generator by default, or one
//! seeded generator behind a mutex when reproducible answers are wanted (tests, demos).

use std::ops::RangeInclusive;
use std::sync::Mutex;

/// Where random numbers come from.
#[derive(Debug)]
pub(crate) enum Random {
    /// `fastrand`'s thread-local generator (no lock on the request path).
    Thread,
    /// One seeded generator shared by every request: the same seed and the same request
    /// sequence give the same answers.
    Seeded(Mutex<fastrand::Rng>),
}

impl Random {
    /// A seeded source.
    pub(crate) fn seeded(seed: u64) -> Self {
        Self::Seeded(Mutex::new(fastrand::Rng::with_seed(seed)))
    }

    fn with<R>(
        &self,
        thread: impl FnOnce() -> R,
        seeded: impl FnOnce(&mut fastrand::Rng) -> R,
    ) -> R {
        match self {
            Self::Thread => thread(),
            // A poisoned lock only means another request panicked mid-draw; the generator is
            // still usable.
            Self::Seeded(rng) => seeded(&mut rng.lock().unwrap_or_else(|e| e.into_inner())),
        }
    }

    /// A float in `[0, 1)`.
    pub(crate) fn f64(&self) -> f64 {
        self.with(fastrand::f64, |r| r.f64())
    }

    /// An integer in the inclusive range.
    pub(crate) fn i64(&self, range: RangeInclusive<i64>) -> i64 {
        self.with(|| fastrand::i64(range.clone()), |r| r.i64(range.clone()))
    }

    /// An index in `0..len` (`len` must be positive).
    pub(crate) fn index(&self, len: usize) -> usize {
        self.with(|| fastrand::usize(..len), |r| r.usize(..len))
    }

    /// A fair coin.
    pub(crate) fn bool(&self) -> bool {
        self.with(fastrand::bool, |r| r.bool())
    }

    /// Fills `bytes` with random bytes.
    pub(crate) fn fill(&self, bytes: &mut [u8]) {
        match self {
            Self::Thread => fastrand::fill(bytes),
            Self::Seeded(rng) => rng.lock().unwrap_or_else(|e| e.into_inner()).fill(bytes),
        }
    }

    /// One element of a non-empty list.
    pub(crate) fn pick<'a>(&self, items: &[&'a str]) -> &'a str {
        if items.is_empty() {
            return "";
        }
        items[self.index(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let (a, b) = (Random::seeded(7), Random::seeded(7));
        let draw = |r: &Random| (r.f64(), r.i64(1..=100), r.index(5), r.bool());
        assert_eq!(draw(&a), draw(&b));
        assert_eq!(draw(&a), draw(&b));
    }

    #[test]
    fn ranges_are_respected() {
        let r = Random::Thread;
        for _ in 0..200 {
            assert!((3..=5).contains(&r.i64(3..=5)));
            assert!(r.index(3) < 3);
            let x = r.f64();
            assert!((0.0..1.0).contains(&x));
        }
        assert_eq!(r.pick(&[]), "");
        assert_eq!(r.pick(&["only"]), "only");
    }
}
