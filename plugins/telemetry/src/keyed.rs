//! A map from exact label values to a metric child (or a bundle of children).
//!
//! Lookups hash the borrowed values (no allocation), load the current map lock-free and compare
//! the stored values byte for byte; inserts copy the map (copy-on-write), which is rare because a
//! label set is inserted once in the process's life and the number of entries is bounded.
//!
//! The hash separates values with `0xFF` (a byte UTF-8 never contains), so `["", "ab"]` and
//! `["a", "b"]` are different keys. Two different label sets with the same 64-bit hash are not
//! stored together: the second one is refused ([`Lookup::Collision`]) and recorded under the
//! overflow label set instead, which is astronomically rare and never mixes two series.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use arc_swap::ArcSwap;

/// Something stored in a [`KeyedMap`]: it knows the label values it was created for.
pub trait Keyed {
    /// The label values, in the family's label order.
    fn label_values(&self) -> &[Box<str>];
}

/// The map's keys are already hashes: use them as they are.
#[derive(Debug, Default)]
pub struct PrehashedKey(u64);

impl Hasher for PrehashedKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Map<V> = HashMap<u64, Arc<V>, BuildHasherDefault<PrehashedKey>>;

/// What a lookup found.
#[derive(Debug)]
pub enum Lookup<V> {
    /// The entry for these values (found or just created).
    Found(Arc<V>),
    /// The map is at its limit and these values are not in it.
    Full,
    /// Another label set has the same hash.
    Collision,
}

/// An exact-match, copy-on-write map of label values to `V`, with an entry limit.
#[derive(Debug)]
pub struct KeyedMap<V> {
    map: ArcSwap<Map<V>>,
    limit: usize,
}

/// FNV-1a over the values, each followed by `0xFF`.
pub fn hash_values(values: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for v in values {
        for b in v.bytes().chain(std::iter::once(0xFF)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
    }
    h
}

fn same(stored: &[Box<str>], values: &[&str]) -> bool {
    stored.len() == values.len() && stored.iter().zip(values).all(|(a, b)| **a == **b)
}

impl<V: Keyed> KeyedMap<V> {
    /// An empty map holding at most `limit` entries (see [`KeyedMap::get_or_insert`]).
    pub fn new(limit: usize) -> Self {
        Self {
            map: ArcSwap::from_pointee(Map::default()),
            limit,
        }
    }

    /// The entry for `values`, created with `make` if absent. When the map holds `limit` entries
    /// already, a new entry is refused unless `force` is set (used for the overflow label sets,
    /// whose number is bounded by configuration).
    pub fn get_or_insert(
        &self,
        values: &[&str],
        force: bool,
        make: impl FnOnce() -> V,
    ) -> Lookup<V> {
        let hash = hash_values(values);
        {
            let map = self.map.load();
            if let Some(v) = map.get(&hash) {
                return if same(v.label_values(), values) {
                    Lookup::Found(v.clone())
                } else {
                    Lookup::Collision
                };
            }
            if map.len() >= self.limit && !force {
                return Lookup::Full;
            }
        }
        let fresh = Arc::new(make());
        let mut answer = Lookup::Found(fresh.clone());
        self.map.rcu(|map| {
            if let Some(v) = map.get(&hash) {
                answer = if same(v.label_values(), values) {
                    Lookup::Found(v.clone())
                } else {
                    Lookup::Collision
                };
                return Arc::clone(map);
            }
            let mut next = Map::clone(map);
            next.insert(hash, fresh.clone());
            answer = Lookup::Found(fresh.clone());
            Arc::new(next)
        });
        answer
    }

    /// Every entry (for exposition).
    pub fn entries(&self) -> Vec<Arc<V>> {
        self.map.load().values().cloned().collect()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.load().len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A copy of borrowed label values, for storing in an entry.
pub fn owned(values: &[&str]) -> Box<[Box<str>]> {
    values.iter().map(|v| Box::<str>::from(*v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct E(Box<[Box<str>]>);
    impl Keyed for E {
        fn label_values(&self) -> &[Box<str>] {
            &self.0
        }
    }

    fn get(m: &KeyedMap<E>, v: &[&str], force: bool) -> Lookup<E> {
        m.get_or_insert(v, force, || E(owned(v)))
    }

    #[test]
    fn shifted_values_are_different_keys() {
        assert_ne!(hash_values(&["", "ab"]), hash_values(&["a", "b"]));
        assert_ne!(hash_values(&["prod", ""]), hash_values(&["", "prod"]));
        let m = KeyedMap::new(10);
        let a = get(&m, &["", "prod"], false);
        let b = get(&m, &["prod", ""], false);
        match (a, b) {
            (Lookup::Found(a), Lookup::Found(b)) => assert!(!Arc::ptr_eq(&a, &b)),
            _ => panic!("both must be stored"),
        }
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn limit_refuses_new_entries_unless_forced() {
        let m = KeyedMap::new(1);
        assert!(matches!(get(&m, &["a"], false), Lookup::Found(_)));
        assert!(matches!(get(&m, &["a"], false), Lookup::Found(_)));
        assert!(matches!(get(&m, &["b"], false), Lookup::Full));
        assert!(matches!(get(&m, &["b"], true), Lookup::Found(_)));
        assert_eq!(m.len(), 2);
    }
}
