//! Summary statistics over a benchmark's samples: the figures the results file stores and the
//! robust spread the regression rule uses.

/// Scale factor turning a median absolute deviation into an estimate of the standard deviation
/// of normally distributed data (1 / Φ⁻¹(3/4)).
pub const MAD_TO_SIGMA: f64 = 1.4826;

/// Median, mean, extremes and robust spread of a set of samples.
///
/// ```
/// use codetags_bench::stats::Summary;
///
/// let s = Summary::of(&[10.0, 11.0, 9.0, 10.0, 100.0]).unwrap();
/// assert_eq!((s.median, s.min, s.max), (10.0, 9.0, 100.0));
/// assert_eq!(s.mean, 28.0);
/// // One outlier barely moves the robust spread (the standard deviation would be 40).
/// assert!(s.relative_spread() < 0.2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Middle value (mean of the two middle values for an even count).
    pub median: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
    /// Robust standard deviation: [`MAD_TO_SIGMA`] × the median absolute deviation.
    pub spread: f64,
    /// How many samples were summarised.
    pub count: usize,
}

impl Summary {
    /// Summarise `samples`. Non-finite values are ignored; `None` when no finite value is left.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let median = median_of_sorted(&sorted);
        let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
        let mut deviations: Vec<f64> = sorted.iter().map(|v| (v - median).abs()).collect();
        deviations.sort_by(f64::total_cmp);
        let spread = MAD_TO_SIGMA * median_of_sorted(&deviations);
        Some(Summary {
            median,
            mean,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            spread,
            count: sorted.len(),
        })
    }

    /// The spread relative to the median (0 when the median is 0).
    pub fn relative_spread(&self) -> f64 {
        relative(self.spread, self.median)
    }
}

/// `part / whole`, or 0 when `whole` is not a positive finite number.
pub(crate) fn relative(part: f64, whole: f64) -> f64 {
    if whole.is_finite() && whole > 0.0 && part.is_finite() {
        part / whole
    } else {
        0.0
    }
}

fn median_of_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Sample standard deviation (n − 1 in the denominator); 0 for fewer than two values.
pub fn std_dev(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64;
    var.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_and_even_medians() {
        assert_eq!(Summary::of(&[5.0, 1.0, 3.0]).map(|s| s.median), Some(3.0));
        assert_eq!(
            Summary::of(&[4.0, 1.0, 3.0, 2.0]).map(|s| s.median),
            Some(2.5)
        );
    }

    #[test]
    fn empty_and_non_finite_samples() {
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[f64::NAN, f64::INFINITY]), None);
        let s = Summary::of(&[f64::NAN, 2.0]).unwrap();
        assert_eq!((s.count, s.median, s.spread), (1, 2.0, 0.0));
    }

    #[test]
    fn spread_is_scaled_mad() {
        // deviations from median 10: 2, 1, 0, 1, 2 → MAD 1.
        let s = Summary::of(&[8.0, 9.0, 10.0, 11.0, 12.0]).unwrap();
        assert!((s.spread - MAD_TO_SIGMA).abs() < 1e-12);
        assert!((s.relative_spread() - MAD_TO_SIGMA / 10.0).abs() < 1e-12);
        assert_eq!(s.mean, 10.0);
    }

    #[test]
    fn std_dev_of_known_values() {
        assert_eq!(std_dev(&[1.0]), 0.0);
        assert!((std_dev(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]) - 2.138_089_935).abs() < 1e-6);
    }
}
