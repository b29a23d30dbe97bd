//! Retry jitter: a tiny lock-free pseudo-random generator (SplitMix64) seeded from the
//! standard library's per-process random hasher keys, or a caller-supplied source.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::JitterSource;

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

pub(crate) struct Jitter {
    custom: Option<JitterSource>,
    state: AtomicU64,
}

impl Jitter {
    pub(crate) fn new(custom: Option<JitterSource>) -> Self {
        let seed = RandomState::new().hash_one(0x5EED_u64);
        Jitter {
            custom,
            state: AtomicU64::new(seed),
        }
    }

    /// A value in `0.0..=1.0`.
    pub(crate) fn next(&self) -> f64 {
        if let Some(custom) = &self.custom {
            let value = custom();
            return if value.is_finite() {
                value.clamp(0.0, 1.0)
            } else {
                0.0
            };
        }
        let mut z = self
            .state
            .fetch_add(GOLDEN_GAMMA, Ordering::Relaxed)
            .wrapping_add(GOLDEN_GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 random bits -> [0, 1).
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn values_in_range_and_varied() {
        let jitter = Jitter::new(None);
        let values: Vec<f64> = (0..1000).map(|_| jitter.next()).collect();
        assert!(values.iter().all(|v| (0.0..=1.0).contains(v)));
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!((0.4..0.6).contains(&mean), "{mean}");
        let fixed = Jitter::new(Some(Arc::new(|| 7.0)));
        assert_eq!(fixed.next(), 1.0);
        let nan = Jitter::new(Some(Arc::new(|| f64::NAN)));
        assert_eq!(nan.next(), 0.0);
    }
}
