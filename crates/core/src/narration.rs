//! Numbers as the sentences and tables for people write them — one set of rules, used by the
//! profile, the preprocessing reasons, the explanations, the assistant's rules and the web app,
//! so the same value reads the same everywhere.

use crate::task::Metric;

pub use crate::task::thousands;

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

/// A number for a chart label: at most three significant digits, no trailing zeros.
pub fn chart_label(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    trim(format!("{v:.digits$}"))
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
}
