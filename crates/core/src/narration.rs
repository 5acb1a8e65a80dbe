//! Words for people: numbers as the sentences and tables write them — one set of rules, used
//! by the profile, the preprocessing reasons, the explanations, the assistant's rules and the
//! web app, so the same value reads the same everywhere — and the sentences that tell what
//! preprocessing plans and does, from the structured [`crate::facts`] the lower crates return.

use std::fmt::Write as _;

use crate::facts::{Derivation, DropFact, FitFact, PlanFact, ThresholdFact, ValidationFact};
use crate::task::Metric;

pub use crate::task::thousands;

mod assistant;
mod forecast;
mod glossary;
mod monitor;
mod profile;
mod run;
pub use assistant::{
    CAN_DO, adjustment, help, how_to_improve, plan_overview, proposal_reason, trial, what_matters,
    why_this_score,
};
pub use forecast::{
    ForecastSubject, forecast_narrative, forecast_note, merged_times, series_label, spacing,
};
pub use glossary::glossary;
pub use monitor::{drift_alert, drift_check, not_tested, performance_note, prediction_drift_alert};
pub use profile::{
    column_kind, data_warnings, leakage, number_reading, sampled_relations, target_choice,
    target_no_label, target_not_numbers, target_warning, task_reason,
};
pub use run::{
    describe_dataset, ensemble_in_words, explain_results, family_reason, join_and, plain_meaning,
    score_meaning, task_words,
};

/// A number for prose and tables: integers whole and numbers from 1,000 up rounded to whole
/// units (with thousands separators from 10,000: `2019`, `12,345`); below 1,000 up to four significant digits (three
/// decimals from 1 to 100, one from 100 to 1,000) without trailing zeros; scientific notation
/// below 0.001 and from 10¹² up; `NaN` and infinities as Rust writes them. Only for text people
/// read: machine-readable outputs keep full precision.
///
/// `28.0` → `28`, `0.41234` → `0.4123`, `29.8812` → `29.881`, `1234.6` → `1235`,
/// `1.5e7` → `15,000,000`, `0.00002` → `2.000e-5`.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e12).contains(&a) {
        format!("{x:.3e}")
    } else if a >= 1000.0 || x.fract() == 0.0 {
        // Separators from 10,000 up, so that years read `2019`.
        let rounded = a.round() as usize;
        let whole = if rounded >= 10_000 {
            thousands(rounded)
        } else {
            rounded.to_string()
        };
        if x < 0.0 { format!("-{whole}") } else { whole }
    } else if a >= 100.0 {
        trim(format!("{x:.1}"))
    } else if a >= 1.0 {
        trim(format!("{x:.3}"))
    } else {
        trim(format!("{x:.4}"))
    }
}

/// A predicted value as an answer states it (explanations, `--json` included): four decimals
/// without trailing zeros, so that a value keeps its precision whatever its size.
///
/// `263.4567` → `263.4567`, `2.5` → `2.5`, `1234567.891` → `1234567.891`.
pub fn value(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    trim(format!("{v:.4}"))
}

/// A score for prose: four decimals for bounded metrics (ROC AUC, accuracy, R², …); for errors
/// in the target's units (MSE, RMSE, MAE) four decimals below 10, two below 1,000, none above.
pub fn score(metric: Metric, v: f64) -> String {
    match metric {
        Metric::Mse | Metric::Rmse | Metric::Mae => {
            if v.abs() >= 1000.0 {
                format!("{v:.0}")
            } else if v.abs() >= 10.0 {
                format!("{v:.2}")
            } else {
                format!("{v:.4}")
            }
        }
        _ => format!("{v:.4}"),
    }
}

/// A share of a whole as a percentage without the sign: whole percents from 1 % to 99 %, one
/// decimal outside (`3 of 1,000` → `0.3`, `996 of 1,000` → `99.6`), so that only none reads `0`
/// and only all reads `100`; `<0.1` for a part too small to show, `0` for an empty whole.
pub fn percent(part: usize, whole: usize) -> String {
    if whole == 0 || part == 0 {
        return "0".into();
    }
    if part >= whole {
        return format!("{:.0}", 100.0 * part as f64 / whole as f64);
    }
    let p = 100.0 * part as f64 / whole as f64;
    if p < 0.05 {
        "<0.1".into()
    } else if !(1.0..99.5).contains(&p) {
        trim(format!("{:.1}", p.min(99.9)))
    } else {
        format!("{p:.0}")
    }
}

/// Seconds for a table: two decimals below 100 s, whole seconds above.
pub fn seconds(s: f64) -> String {
    if s.abs() < 100.0 {
        format!("{s:.2}")
    } else {
        format!("{s:.0}")
    }
}

/// A number for a chart label: at most three significant digits, no trailing zeros.
pub fn chart_label(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    trim(format!("{v:.digits$}"))
}

/// How skewed a column is, in words.
pub fn skew_word(skew: f64) -> &'static str {
    let a = skew.abs();
    if a < 0.5 {
        "roughly symmetric"
    } else if a < 1.0 {
        "mildly skewed"
    } else if a < 2.0 {
        "skewed"
    } else {
        "heavily skewed"
    }
}

/// The sentence added when a 0/1 missing-indicator column is planned.
fn indicator_sentence(share: Option<f64>) -> String {
    share.map_or_else(String::new, |share| {
        format!(
            " A 0/1 column marks the {:.0}% of rows where it was missing, since missingness can itself be informative.",
            100.0 * share
        )
    })
}

/// Why a step is planned for `column`, in one sentence ("Fill 177 missing `age` values with the
/// median, 28, because `age` is numeric and roughly symmetric.").
pub fn planned_step(column: &str, fact: &PlanFact) -> String {
    let name = column;
    match fact {
        PlanFact::FillMedian {
            missing,
            median,
            skew,
            indicator_share,
        } => {
            let skew_note = if skew.abs() > 1.0 {
                format!(" (skew {skew:.1})")
            } else {
                String::new()
            };
            format!(
                "Fill {missing} missing `{name}` values with the median, {}, because `{name}` is numeric and {}{skew_note}.{}",
                number(*median),
                skew_word(*skew),
                indicator_sentence(*indicator_share)
            )
        }
        PlanFact::FillMostFrequent {
            missing,
            value,
            indicator_share,
        } => format!(
            "Fill {missing} missing `{name}` values with the most frequent value, `{value}`.{}",
            indicator_sentence(*indicator_share)
        ),
        PlanFact::Log1p { skew } => format!(
            "Take log(1 + `{name}`) for linear models: its skew of {skew:.1} means a long right tail that would dominate a linear fit."
        ),
        PlanFact::Clip { p01, p99, outliers } => format!(
            "Clip `{name}` to its 1st–99th percentiles ({} – {}) so that {outliers} outliers cannot pull a linear fit.",
            number(*p01),
            number(*p99)
        ),
        PlanFact::Standardise { mean, std } => format!(
            "Standardise `{name}` (mean {}, std {}) so that linear models, SVMs, nearest neighbours and networks weigh it fairly; trees use it as is.",
            number(*mean),
            number(*std)
        ),
        PlanFact::MapBoolean { values } => {
            let values = values
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            format!("Map `{name}`'s two values ({values}) to 0 and 1.")
        }
        PlanFact::MissingLevel { missing } => format!(
            "Treat the {missing} missing `{name}` values as a level of their own, \"(missing)\", so the model can learn what missingness means."
        ),
        PlanFact::OneHot { levels, min_count } => format!(
            "One-hot encode `{name}`'s {levels} levels for linear models (levels with fewer than {min_count} rows, and unseen ones, go to \"other\"); trees get ordinal codes."
        ),
        PlanFact::TargetEncode { levels } => format!(
            "`{name}` has {levels} levels, too many to one-hot: replace each level by the mean target of its rows, fitted out of fold on training rows only and smoothed towards the overall mean for rare levels."
        ),
        PlanFact::DateParts { range } => {
            let range = range
                .as_ref()
                .map(|(a, b)| format!(" ({a} to {b})"))
                .unwrap_or_default();
            format!(
                "Split the date `{name}`{range} into year, month, day of week, day of month and hour, their cyclic sin/cos (so December sits next to January), and days elapsed since the earliest training date."
            )
        }
        PlanFact::FillDateParts {
            missing,
            indicator_share,
        } => format!(
            "Fill {missing} missing `{name}` dates' parts with their medians.{}",
            indicator_sentence(*indicator_share)
        ),
        PlanFact::StandardiseDateParts => format!(
            "Standardise the parts of `{name}` for linear models; trees use them as they are."
        ),
        PlanFact::Tfidf {
            vocabulary,
            char_ngrams,
            max_features,
            min_df,
            max_dense_features,
        } => format!(
            "Turn the free text in `{name}` ({vocabulary} distinct words seen) into TF-IDF weights of words and word pairs{}, keeping at most {max_features} terms seen in at least {min_df} documents, with sublinear term frequency so that repetition counts less than presence; trees get the {max_dense_features} most common terms.",
            if *char_ngrams {
                " and character n-grams (robust to typos and word endings)"
            } else {
                ""
            }
        ),
    }
}

/// Why `column` is left out, as a clause ("`id` identifies rows (…); it carries no signal that
/// generalises").
pub fn dropped(column: &str, fact: &DropFact) -> String {
    match fact {
        DropFact::Excluded => format!("`{column}` was excluded on request"),
        DropFact::Leakage { target } => format!(
            "`{column}` looks like a copy of `{target}` (leakage): a model would learn the answer, not the pattern"
        ),
        DropFact::Identifier { evidence } => format!(
            "`{column}` identifies rows ({}); it carries no signal that generalises",
            column_kind(evidence, None)
        ),
        DropFact::Constant { evidence } => {
            format!(
                "`{column}` never varies ({}); it cannot inform a model",
                column_kind(evidence, None)
            )
        }
        DropFact::MostlyMissing { share } => {
            format!("`{column}` is {:.0}% missing", 100.0 * share)
        }
    }
}

/// How a derived column is computed, as a phrase ("`debt` divided by `income`, missing where
/// `income` is 0").
pub fn derivation(how: &Derivation) -> String {
    match how {
        Derivation::Log1p { column } => {
            format!("log(1 + `{column}`), missing where `{column}` is negative")
        }
        Derivation::Ratio {
            numerator,
            denominator,
        } => {
            format!("`{numerator}` divided by `{denominator}`, missing where `{denominator}` is 0")
        }
        Derivation::Product { a, b } => format!("`{a}` times `{b}`"),
        Derivation::Difference { a, b } => format!("`{a}` minus `{b}`"),
        Derivation::Bins { column, bins } => {
            format!("`{column}` cut into {bins} bins at its training quantiles")
        }
        Derivation::GroupMean {
            group,
            column,
            levels,
        } => format!(
            "the training mean of `{column}` within each of `{group}`'s {levels} levels (missing for a level not seen then)"
        ),
        Derivation::TextLength { column } => format!("the number of characters in `{column}`"),
        Derivation::WordCount { column } => format!("the number of words in `{column}`"),
        Derivation::AsCategories { column } => {
            format!("`{column}` read as categories instead of numbers")
        }
        Derivation::AsNumber { column } => {
            format!("`{column}` read as numbers instead of categories")
        }
    }
}

/// A fitted step's short name for tables (`impute median`, `one-hot`, `drop`).
pub fn fitted_label(fact: &FitFact) -> String {
    match fact {
        FitFact::Filled { strategy, .. } => format!("impute {strategy}"),
        FitFact::KeptMissing { .. } => "keep missing".into(),
        FitFact::MissingIndicator => "missing indicator".into(),
        FitFact::Log1p { .. } => "log1p".into(),
        FitFact::Clipped { .. } => "winsorise".into(),
        FitFact::Standardised { .. } => "standardise".into(),
        FitFact::MappedBoolean { .. } => "map to 0/1".into(),
        FitFact::OneHot { .. } => "one-hot".into(),
        FitFact::Ordinal { .. } => "ordinal codes".into(),
        FitFact::TargetEncoded { .. } => "target encode".into(),
        FitFact::DateParts { .. } => "date parts".into(),
        FitFact::Tfidf { .. } => "TF-IDF".into(),
        FitFact::Derived { .. } => "derive".into(),
        FitFact::Dropped(_) => "drop".into(),
    }
}

/// What a fitted step did to `column`, in one sentence with the values it learned ("Filled 177
/// missing `age` values with the median, 28, because `age` is numeric and roughly symmetric
/// (skew 0.39).").
pub fn fitted_step(column: &str, fact: &FitFact) -> String {
    match fact {
        FitFact::Filled {
            missing,
            strategy,
            value,
            skew,
        } => format!(
            "Filled {missing} missing `{column}` values with the {strategy}, {}, because `{column}` is numeric and {} (skew {skew:.2}).",
            number(*value),
            skew_word(*skew)
        ),
        FitFact::KeptMissing { missing } => format!(
            "Left {missing} missing `{column}` values as missing: this model handles them natively."
        ),
        FitFact::MissingIndicator => format!(
            "Added `{column}_missing` (1 where `{column}` was missing) because missingness can carry signal."
        ),
        FitFact::Log1p { skew } => format!(
            "Took log(1 + `{column}`) because its skew of {skew:.1} would let a few large values dominate a linear fit."
        ),
        FitFact::Clipped { low, high } => format!(
            "Clipped `{column}` to [{}, {}], its 1st–99th percentiles.",
            number(*low),
            number(*high)
        ),
        FitFact::Standardised { center, scale } => format!(
            "Standardised `{column}` (centre {}, scale {}) so that distance- and gradient-based models weigh it fairly.",
            number(*center),
            number(*scale)
        ),
        FitFact::MappedBoolean { positive, negative } => {
            format!("Mapped `{column}` = `{positive}` to 1 and `{negative}` to 0.")
        }
        FitFact::OneHot { width, pooled } => {
            let mut s = format!("One-hot encoded `{column}` into {width} columns");
            if let Some(n) = pooled {
                let _ = write!(
                    s,
                    ", pooling {n} rare level(s) and any unseen level into \"other\""
                );
            }
            s.push_str(" so that a linear model can give each level its own weight.");
            s
        }
        FitFact::Ordinal { levels } => format!(
            "Coded `{column}`'s {levels} levels as integers by frequency for tree models, which split on codes without needing one column per level."
        ),
        FitFact::TargetEncoded { levels } => format!(
            "Replaced each of `{column}`'s {levels} levels by the smoothed mean target of its training rows (out of fold, so no row sees its own label); unseen levels get the overall mean."
        ),
        FitFact::DateParts { parts, scaled } => format!(
            "Expanded the date `{column}` into {}{}.",
            parts.join(", "),
            if *scaled { ", standardised" } else { "" }
        ),
        FitFact::Tfidf { width, documents } => format!(
            "Turned the text in `{column}` into {width} TF-IDF term weights learned from {documents} training documents."
        ),
        FitFact::Derived { name, how } => {
            format!(
                "Computed `{name}` = {}, as a refinement asked.",
                derivation(how)
            )
        }
        FitFact::Dropped(d) => dropped(column, d),
    }
}

/// Why the validation scheme was chosen, as a clause ("5-fold cross-validation: with 891 rows
/// every row should serve for validation once").
pub fn validation(fact: &ValidationFact) -> String {
    match fact {
        ValidationFact::Holdout {
            rows,
            fraction,
            n_rows,
        } => format!(
            "holdout of {rows} rows ({:.0}%): with {n_rows} rows one split is a precise estimate and five would cost five times the time",
            fraction * 100.0
        ),
        ValidationFact::TenFold { n_rows } => format!(
            "10-fold cross-validation: with only {n_rows} rows, ten folds train on more rows and average more validation scores"
        ),
        ValidationFact::FiveFold { n_rows } => format!(
            "5-fold cross-validation: with {n_rows} rows every row should serve for validation once"
        ),
        ValidationFact::Requested => "as requested".into(),
    }
}

/// Why a decision threshold is used, as a clause.
pub fn threshold(fact: &ThresholdFact) -> String {
    match fact {
        ThresholdFact::LabelMetric {
            metric,
            score,
            at_half,
        } => format!(
            "{} judges the predicted labels; on the out-of-fold predictions it is {score:.4} at this threshold against {at_half:.4} at 0.5",
            metric.display_name()
        ),
        ThresholdFact::Imbalanced {
            minority,
            rows,
            metric,
            score,
            at_half,
        } => format!(
            "the positive class holds {minority} of {rows} rows ({:.2}%); {} judges probabilities, not labels, so the labels use the threshold that maximises F1 on the out-of-fold predictions ({score:.4} against {at_half:.4} at 0.5)",
            100.0 * *minority as f64 / (*rows).max(1) as f64,
            metric.display_name()
        ),
        ThresholdFact::SetByPerson => "set by the person; the validation score is that of the model's ranking, which a threshold does not change".into(),
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_same_everywhere() {
        assert_eq!(number(28.0), "28");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(0.41234), "0.4123");
        assert_eq!(number(29.8812), "29.881");
        assert_eq!(number(263.46), "263.5");
        assert_eq!(number(1234.6), "1235");
        assert_eq!(number(2019.0), "2019");
        assert_eq!(number(-98_765.4), "-98,765");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(0.00002), "2.000e-5");
        assert_eq!(number(1.5e7), "15,000,000");
        assert_eq!(number(1.5e13), "1.500e13");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(score(Metric::RocAuc, 0.85661), "0.8566");
        assert_eq!(score(Metric::Rmse, 1234.56), "1235");
        assert_eq!(score(Metric::Mae, 12.345), "12.35");
        assert_eq!(value(263.4567), "263.4567");
        assert_eq!(value(1_234_567.891), "1234567.891");
        assert_eq!(chart_label(0.012345), "0.0123");
        assert_eq!(chart_label(123.45), "123");
        assert_eq!(chart_label(1.5), "1.5");
        assert_eq!(thousands(1309), "1,309");
    }

    #[test]
    fn facts_read_as_sentences() {
        let fill = PlanFact::FillMedian {
            missing: 177,
            median: 28.0,
            skew: 0.39,
            indicator_share: Some(0.2),
        };
        assert_eq!(
            planned_step("age", &fill),
            "Fill 177 missing `age` values with the median, 28, because `age` is numeric and \
             roughly symmetric. A 0/1 column marks the 20% of rows where it was missing, since \
             missingness can itself be informative."
        );
        let skewed = PlanFact::FillMedian {
            missing: 3,
            median: 14.45,
            skew: 4.79,
            indicator_share: None,
        };
        assert!(planned_step("fare", &skewed).ends_with("heavily skewed (skew 4.8)."));
        assert_eq!(
            dropped("id", &DropFact::MostlyMissing { share: 0.97 }),
            "`id` is 97% missing"
        );
        let pooled = FitFact::OneHot {
            width: 4,
            pooled: Some(2),
        };
        assert_eq!(
            fitted_step("port", &pooled),
            "One-hot encoded `port` into 4 columns, pooling 2 rare level(s) and any unseen level \
             into \"other\" so that a linear model can give each level its own weight."
        );
        assert_eq!(fitted_label(&pooled), "one-hot");
        let ratio = FitFact::Derived {
            name: "debt/income".into(),
            how: Derivation::Ratio {
                numerator: "debt".into(),
                denominator: "income".into(),
            },
        };
        assert_eq!(
            fitted_step("debt/income", &ratio),
            "Computed `debt/income` = `debt` divided by `income`, missing where `income` is 0, \
             as a refinement asked."
        );
    }
}
