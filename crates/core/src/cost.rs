//! What the search needs to know about an estimator to schedule it: how its fit, prediction and
//! memory grow with the data ([`CostModel`]) and when it belongs in the default candidates
//! ([`DefaultUse`]).
//!
//! The numbers are estimates. The search calibrates them against the fits it measures (the
//! ratio of measured to estimated seconds, per estimator), so a backend author only needs the
//! right shape — linear in rows for trees and linear models, quadratic for kernel methods — and
//! a first guess within a factor of a few.

use serde::{Deserialize, Serialize};

use crate::estimator::DataShape;
use crate::space::ParamSet;

/// Rows, columns and classes of the reference shape that [`CostModel::base_secs`] is measured on.
pub const REFERENCE_ROWS: f64 = 1_000.0;
/// Feature columns of the reference shape.
pub const REFERENCE_COLS: f64 = 10.0;

/// How an estimator's fit time, prediction time and memory grow with the data.
///
/// Fit seconds are estimated as
/// `base_secs · (rows / 1000)^rows_exp · (cols / 10)^cols_exp · class_factor · driver_factor`,
/// where `class_factor` is `classes / 2` for estimators that fit one model per class (else 1),
/// and `driver_factor` is `value / default` of the parameter that drives cost linearly
/// (`n_estimators`, `epochs`), when there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostModel {
    /// Seconds of one fit of the default configuration on 1,000 rows × 10 numeric features
    /// (two classes for classifiers), one thread.
    pub base_secs: f64,
    /// Exponent on training rows (1: trees, linear models; 2: kernel methods).
    pub rows_exp: f64,
    /// Exponent on feature columns.
    pub cols_exp: f64,
    /// Whether the fit grows linearly with the number of classes above two (one tree or one
    /// model per class).
    pub per_class: bool,
    /// The parameter that drives cost linearly, with the value `base_secs` was measured at.
    pub driver: Option<(String, f64)>,
    /// Seconds to predict 1,000 rows with a model fitted on 1,000 rows × 10 features.
    pub predict_secs: f64,
    /// Whether prediction time also grows linearly with the training rows (nearest neighbours,
    /// kernel machines with many support vectors).
    pub predict_scales_with_training_rows: bool,
    /// Dense `f64` copies of the design matrix a fit holds at once (besides the input).
    pub memory_copies: f64,
    /// Whether memory also grows with rows² (a kernel matrix).
    pub memory_quadratic: bool,
    /// An anytime fit: at its deadline it returns the model trained so far (fewer rounds or
    /// trees) instead of failing, so a configuration estimated above its time cap still gives a
    /// usable, if smaller, model.
    #[serde(default)]
    pub anytime: bool,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel::new(0.01)
    }
}

impl CostModel {
    /// A model linear in rows and columns whose default fit takes `base_secs` on the reference
    /// shape; prediction is cheap (a tenth of that, at most 10 ms) and the fit holds one copy of
    /// the data.
    pub fn new(base_secs: f64) -> Self {
        CostModel {
            base_secs: base_secs.max(0.0),
            rows_exp: 1.0,
            cols_exp: 1.0,
            per_class: false,
            driver: None,
            predict_secs: (base_secs * 0.1).min(0.01),
            predict_scales_with_training_rows: false,
            memory_copies: 1.0,
            memory_quadratic: false,
            anytime: false,
        }
    }

    /// The fit returns the model trained so far at its deadline.
    pub fn anytime(mut self) -> Self {
        self.anytime = true;
        self
    }

    /// Sets the exponents on rows and columns.
    pub fn exponents(mut self, rows: f64, cols: f64) -> Self {
        self.rows_exp = rows;
        self.cols_exp = cols;
        self
    }

    /// The fit grows linearly with classes above two.
    pub fn per_class(mut self) -> Self {
        self.per_class = true;
        self
    }

    /// `name` drives cost linearly; `base_secs` was measured at `default`.
    pub fn driver(mut self, name: &str, default: f64) -> Self {
        self.driver = Some((name.to_string(), default));
        self
    }

    /// Seconds to predict 1,000 rows; with `scales_with_training_rows`, prediction also grows
    /// with the training rows.
    pub fn predict(mut self, secs: f64, scales_with_training_rows: bool) -> Self {
        self.predict_secs = secs.max(0.0);
        self.predict_scales_with_training_rows = scales_with_training_rows;
        self
    }

    /// Memory: dense copies of the data held by a fit, and whether a rows² matrix is built.
    pub fn memory(mut self, copies: f64, quadratic: bool) -> Self {
        self.memory_copies = copies.max(0.0);
        self.memory_quadratic = quadratic;
        self
    }

    fn driver_factor(&self, params: &ParamSet) -> f64 {
        match &self.driver {
            Some((name, default)) if *default > 0.0 => {
                let v = params.f64_or(name, *default);
                if v.is_finite() && v > 0.0 {
                    v / default
                } else {
                    1.0
                }
            }
            _ => 1.0,
        }
    }

    /// Estimated seconds of one fit on `shape` with `params`.
    pub fn fit_secs(&self, shape: DataShape, params: &ParamSet) -> f64 {
        let rows = (shape.n_rows.max(1) as f64 / REFERENCE_ROWS).powf(self.rows_exp);
        let cols = (shape.n_features.max(1) as f64 / REFERENCE_COLS).powf(self.cols_exp);
        let classes = if self.per_class && shape.n_classes > 2 {
            shape.n_classes as f64 / 2.0
        } else {
            1.0
        };
        self.base_secs * rows * cols * classes * self.driver_factor(params)
    }

    /// Estimated seconds to predict `rows` rows with a model fitted on `shape`.
    pub fn predict_secs(&self, shape: DataShape, rows: usize, params: &ParamSet) -> f64 {
        let per = self.predict_secs * rows as f64 / REFERENCE_ROWS;
        let cols = shape.n_features.max(1) as f64 / REFERENCE_COLS;
        let train = if self.predict_scales_with_training_rows {
            shape.n_rows.max(1) as f64 / REFERENCE_ROWS
        } else {
            1.0
        };
        per * cols.max(0.1) * train * self.driver_factor(params)
    }

    /// Estimated peak bytes of one fit on `shape` (the input excluded).
    pub fn memory_bytes(&self, shape: DataShape) -> u64 {
        let cells = shape.n_rows as f64 * shape.n_features.max(1) as f64;
        let mut bytes = 8.0 * cells * self.memory_copies;
        if self.memory_quadratic {
            bytes += 8.0 * (shape.n_rows as f64).powi(2);
        }
        bytes.min(u64::MAX as f64) as u64
    }
}

/// Whether an estimator takes part when the input holds free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextUse {
    /// With or without text.
    #[default]
    Any,
    /// Only when some input is free text (models of term counts).
    Only,
    /// Never with text (distance-based models, slow and weak on hundreds of term columns).
    Never,
}

/// When an estimator belongs in the default candidates of a search (the user can always name
/// it explicitly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefaultUse {
    /// In the default candidates at all. Off for estimators that a faster one of the same family
    /// serves, and for those that are not deterministic (a seeded run must be reproducible).
    pub enabled: bool,
    /// Most training rows.
    pub max_rows: Option<usize>,
    /// Most feature columns (after encoding).
    pub max_features: Option<usize>,
    /// With free text.
    pub text: TextUse,
    /// The smallest time budget, in seconds, worth spending on it.
    pub min_budget_secs: Option<f64>,
    /// Its default configuration is strong on most tables (boosted trees): the search fits it
    /// before any other estimator, so that a good model exists early in any budget.
    pub lead: bool,
}

impl Default for DefaultUse {
    fn default() -> Self {
        DefaultUse {
            enabled: true,
            max_rows: None,
            max_features: None,
            text: TextUse::Any,
            min_budget_secs: None,
            lead: false,
        }
    }
}

impl DefaultUse {
    /// Not a default candidate.
    pub fn off() -> Self {
        DefaultUse {
            enabled: false,
            ..DefaultUse::default()
        }
    }

    /// Whether it is a default candidate for data of `shape` (`text`: some input is free text)
    /// under a time budget of `budget_secs`, and if not, why.
    ///
    /// # Errors
    ///
    /// None: the `Err` side is the reason in words, for the leaderboard and logs.
    pub fn admits(
        &self,
        shape: DataShape,
        text: bool,
        budget_secs: Option<f64>,
        deterministic: bool,
    ) -> std::result::Result<(), String> {
        if !self.enabled {
            return Err("not a default candidate (name it to search it)".into());
        }
        if !deterministic {
            return Err("not deterministic, so a seeded run could not be repeated".into());
        }
        match (self.text, text) {
            (TextUse::Only, false) => return Err("only used with free text".into()),
            (TextUse::Never, true) => return Err("not used with free text".into()),
            _ => {}
        }
        if let Some(m) = self.max_rows
            && shape.n_rows > m
        {
            return Err(format!("{} rows, more than the {m} it suits", shape.n_rows));
        }
        if let Some(m) = self.max_features
            && shape.n_features > m
        {
            return Err(format!(
                "{} columns, more than the {m} it suits",
                shape.n_features
            ));
        }
        if let (Some(min), Some(b)) = (self.min_budget_secs, budget_secs)
            && b < min
        {
            return Err(format!("needs a budget of at least {min} s"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(n_rows: usize, n_features: usize, n_classes: usize) -> DataShape {
        DataShape {
            n_rows,
            n_features,
            n_classes,
        }
    }

    #[test]
    fn fit_cost_follows_its_exponents_classes_and_driver() {
        let m = CostModel::new(0.1)
            .driver("n_estimators", 100.0)
            .per_class();
        let p = ParamSet::new();
        assert!((m.fit_secs(shape(1000, 10, 2), &p) - 0.1).abs() < 1e-12);
        assert!((m.fit_secs(shape(4000, 10, 2), &p) - 0.4).abs() < 1e-12);
        assert!((m.fit_secs(shape(1000, 20, 2), &p) - 0.2).abs() < 1e-12);
        // Ten classes cost five times two.
        assert!((m.fit_secs(shape(1000, 10, 10), &p) - 0.5).abs() < 1e-12);
        let more = ParamSet::new().with("n_estimators", 300i64);
        assert!((m.fit_secs(shape(1000, 10, 2), &more) - 0.3).abs() < 1e-12);
        let kernel = CostModel::new(0.1).exponents(2.0, 1.0);
        assert!((kernel.fit_secs(shape(3000, 10, 2), &p) - 0.9).abs() < 1e-12);
    }

    #[test]
    fn memory_counts_copies_and_kernel_matrices() {
        let m = CostModel::new(0.1).memory(2.0, false);
        assert_eq!(m.memory_bytes(shape(1000, 10, 0)), 160_000);
        let k = CostModel::new(0.1).memory(1.0, true);
        assert_eq!(k.memory_bytes(shape(1000, 10, 0)), 80_000 + 8_000_000);
    }

    #[test]
    fn default_use_gives_its_reason() {
        let d = DefaultUse {
            max_rows: Some(3000),
            text: TextUse::Never,
            min_budget_secs: Some(30.0),
            ..DefaultUse::default()
        };
        assert!(d.admits(shape(2000, 5, 2), false, Some(60.0), true).is_ok());
        assert!(
            d.admits(shape(5000, 5, 2), false, None, true)
                .unwrap_err()
                .contains("5000 rows")
        );
        assert!(d.admits(shape(100, 5, 2), true, None, true).is_err());
        assert!(
            d.admits(shape(100, 5, 2), false, Some(10.0), true)
                .unwrap_err()
                .contains("30 s")
        );
        assert!(d.admits(shape(100, 5, 2), false, None, false).is_err());
        assert!(
            DefaultUse::off()
                .admits(shape(100, 5, 2), false, None, true)
                .is_err()
        );
    }
}
