//! Fitted numeric transforms: impute, indicator, clip, log1p, scale.

use serde::{Deserialize, Serialize};

use crate::plan::{ImputeStrategy, ScaleMethod};

/// How to fit a [`NumericFit`].
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct NumericSpec {
    /// Fill strategy; `None` keeps NaN (for estimators that handle missing values).
    pub impute: Option<ImputeStrategy>,
    pub indicator: bool,
    pub log1p: bool,
    pub clip: Option<(f64, f64)>,
    pub scale: Option<ScaleMethod>,
}

/// A fitted numeric column: `x → scale(log1p(clip(fill(x))))`, plus an optional missing
/// indicator. Infinite inputs count as missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericFit {
    /// The fill value (raw units); `None` keeps NaN.
    pub fill: Option<f64>,
    /// How the fill value was chosen.
    pub fill_strategy: Option<ImputeStrategy>,
    /// Emit a 0/1 missing indicator.
    pub indicator: bool,
    /// Clip bounds (raw units).
    pub clip: Option<(f64, f64)>,
    /// Apply `ln(1 + max(x, 0))`.
    pub log1p: bool,
    /// Subtracted after the transforms.
    pub center: f64,
    /// Divided by after centring.
    pub scale: f64,
    /// Missing values seen in training.
    pub n_missing: usize,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let (a, b) = (
        sorted.get(lo).copied().unwrap_or(0.0),
        sorted.get(hi).copied().unwrap_or(0.0),
    );
    a + (b - a) * (pos - lo as f64)
}

impl NumericFit {
    /// Fits on training values (NaN = missing).
    pub(crate) fn fit(values: &[f64], spec: &NumericSpec) -> NumericFit {
        let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        finite.sort_by(f64::total_cmp);
        let n_missing = values.len() - finite.len();
        let fill = spec.impute.as_ref().map(|s| match s {
            ImputeStrategy::Mean => {
                if finite.is_empty() {
                    0.0
                } else {
                    finite.iter().sum::<f64>() / finite.len() as f64
                }
            }
            ImputeStrategy::Median => quantile(&finite, 0.5),
            ImputeStrategy::MostFrequent => most_frequent(&finite),
            ImputeStrategy::Constant(c) => *c,
        });
        let clip = spec
            .clip
            .map(|(lo, hi)| (quantile(&finite, lo), quantile(&finite, hi)));
        let mut fit = NumericFit {
            fill,
            fill_strategy: spec.impute.clone(),
            indicator: spec.indicator,
            clip,
            log1p: spec.log1p,
            center: 0.0,
            scale: 1.0,
            n_missing,
        };
        if let Some(method) = spec.scale {
            // Statistics of the transformed, filled training values.
            let mut t: Vec<f64> = values
                .iter()
                .map(|&v| fit.pre_scale(v))
                .filter(|v| v.is_finite())
                .collect();
            t.sort_by(f64::total_cmp);
            let (center, scale) = match method {
                ScaleMethod::Standard => {
                    let n = t.len().max(1) as f64;
                    let mean = t.iter().sum::<f64>() / n;
                    let var = t.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
                    (mean, var.sqrt())
                }
                ScaleMethod::Robust => (quantile(&t, 0.5), quantile(&t, 0.75) - quantile(&t, 0.25)),
                ScaleMethod::MinMax => {
                    let (lo, hi) = (
                        t.first().copied().unwrap_or(0.0),
                        t.last().copied().unwrap_or(1.0),
                    );
                    (lo, hi - lo)
                }
            };
            fit.center = if center.is_finite() { center } else { 0.0 };
            fit.scale = if scale.is_finite() && scale > 1e-12 {
                scale
            } else {
                1.0
            };
        }
        fit
    }

    fn pre_scale(&self, v: f64) -> f64 {
        let mut x = if v.is_finite() {
            v
        } else {
            self.fill.unwrap_or(f64::NAN)
        };
        if let Some((lo, hi)) = self.clip {
            x = x.clamp(lo, hi);
        }
        if self.log1p {
            x = x.max(0.0).ln_1p();
        }
        x
    }

    /// The transformed value.
    #[inline]
    pub fn apply(&self, v: f64) -> f64 {
        (self.pre_scale(v) - self.center) / self.scale
    }

    /// The number of output columns (1, or 2 with the indicator).
    pub fn width(&self) -> usize {
        1 + usize::from(self.indicator)
    }

    /// Writes the value (and indicator) for `v` at `out[0..width]`.
    #[inline]
    pub fn write(&self, v: f64, out: &mut [f64]) {
        if let Some(o) = out.first_mut() {
            *o = self.apply(v);
        }
        if self.indicator
            && let Some(o) = out.get_mut(1)
        {
            *o = if v.is_finite() { 0.0 } else { 1.0 };
        }
    }
}

fn most_frequent(sorted: &[f64]) -> f64 {
    let mut best = (0.0, 0usize);
    let mut i = 0;
    while let Some(&v) = sorted.get(i) {
        let mut j = i;
        while sorted.get(j) == Some(&v) {
            j += 1;
        }
        if j - i > best.1 {
            best = (v, j - i);
        }
        i = j;
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impute_and_standardise_known_answer() {
        let spec = NumericSpec {
            impute: Some(ImputeStrategy::Median),
            indicator: true,
            scale: Some(ScaleMethod::Standard),
            ..Default::default()
        };
        let f = NumericFit::fit(&[1.0, 2.0, f64::NAN, 3.0], &spec);
        assert_eq!(f.fill, Some(2.0));
        assert_eq!(f.n_missing, 1);
        // Filled values 1, 2, 2, 3: mean 2, population std sqrt(0.5).
        assert!((f.center - 2.0).abs() < 1e-12);
        assert!((f.scale - 0.5f64.sqrt()).abs() < 1e-12);
        let mut out = [0.0; 2];
        f.write(f64::NAN, &mut out);
        assert_eq!(out, [0.0, 1.0]);
        f.write(3.0, &mut out);
        assert!((out[0] - 1.0 / 0.5f64.sqrt()).abs() < 1e-12 && out[1] == 0.0);
        f.write(f64::INFINITY, &mut out);
        assert_eq!(out, [0.0, 1.0]);
    }

    #[test]
    fn log_clip_minmax_robust() {
        let v = [0.0, 1.0, 3.0, 7.0, 100.0];
        let f = NumericFit::fit(
            &v,
            &NumericSpec {
                log1p: true,
                scale: Some(ScaleMethod::MinMax),
                ..Default::default()
            },
        );
        assert!((f.apply(0.0) - 0.0).abs() < 1e-12);
        assert!((f.apply(100.0) - 1.0).abs() < 1e-12);
        assert!(
            f.apply(-5.0).is_finite(),
            "negative values are floored before log1p"
        );
        let f = NumericFit::fit(
            &v,
            &NumericSpec {
                clip: Some((0.0, 0.75)),
                ..Default::default()
            },
        );
        assert_eq!(f.apply(1000.0), 7.0);
        let f = NumericFit::fit(
            &v,
            &NumericSpec {
                scale: Some(ScaleMethod::Robust),
                ..Default::default()
            },
        );
        assert_eq!(f.center, 3.0);
        assert_eq!(f.scale, 6.0);
        let f = NumericFit::fit(
            &[1.0, 2.0, 2.0, f64::NAN],
            &NumericSpec {
                impute: Some(ImputeStrategy::MostFrequent),
                ..Default::default()
            },
        );
        assert_eq!(f.fill, Some(2.0));
        // Keeping missing values: NaN passes through.
        let f = NumericFit::fit(&[1.0, f64::NAN], &NumericSpec::default());
        assert!(f.apply(f64::NAN).is_nan());
    }

    #[test]
    fn constant_column_does_not_divide_by_zero() {
        let f = NumericFit::fit(
            &[5.0; 4],
            &NumericSpec {
                scale: Some(ScaleMethod::Standard),
                ..Default::default()
            },
        );
        assert_eq!(f.apply(5.0), 0.0);
        assert_eq!(f.scale, 1.0);
    }
}
