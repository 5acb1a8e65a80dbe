//! Grounding: every number in generated text must be one the run computed.
//!
//! [`numbers_in`] finds the numbers a text states (skipping digits inside identifiers such as
//! `x1`, `f1` or `1st`); [`Facts`] holds the numbers the run computed; [`ungrounded`] lists the
//! stated numbers that match none of them at the precision they are written with (a fact 0.86234
//! grounds "0.86", "0.862" and "86.2%").

use mlpilot_core::{DatasetProfile, RunContext};

/// A number as written in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Stated {
    /// The text of the number (`0.86`, `1,309`, `12%`).
    pub text: String,
    /// Its value (a percentage as written, not divided by 100).
    pub value: f64,
    /// Digits after the decimal point.
    pub decimals: usize,
    /// Followed by `%`.
    pub percent: bool,
}

/// The numbers a text states.
pub fn numbers_in(text: &str) -> Vec<Stated> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut in_code = false;
    while let Some(&c) = chars.get(i) {
        if c == '`' {
            in_code = !in_code;
            i += 1;
            continue;
        }
        let prev = if i == 0 {
            None
        } else {
            chars.get(i - 1).copied()
        };
        let starts = c.is_ascii_digit()
            && !in_code
            && !prev.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '.');
        if !starts {
            i += 1;
            continue;
        }
        let negative = prev == Some('-')
            && (i < 2
                || chars
                    .get(i - 2)
                    .is_some_and(|p| p.is_whitespace() || *p == '('));
        let mut j = i;
        let mut s = String::new();
        let mut decimals = 0usize;
        let mut seen_dot = false;
        while let Some(&d) = chars.get(j) {
            if d.is_ascii_digit() {
                s.push(d);
                if seen_dot {
                    decimals += 1;
                }
                j += 1;
            } else if d == ','
                && !seen_dot
                && chars
                    .get(j + 1..j + 4)
                    .is_some_and(|g| g.iter().all(char::is_ascii_digit))
                && !chars.get(j + 4).is_some_and(char::is_ascii_digit)
            {
                j += 1; // thousands separator
            } else if d == '.' && !seen_dot && chars.get(j + 1).is_some_and(char::is_ascii_digit) {
                s.push('.');
                seen_dot = true;
                j += 1;
            } else {
                break;
            }
        }
        // Digits glued to letters are part of a word ("1st", "3rd", "2x").
        if chars.get(j).is_some_and(|n| n.is_alphabetic() || *n == '_') {
            i = j;
            continue;
        }
        let percent = chars.get(j) == Some(&'%');
        let text: String = chars
            .get(i..j)
            .map(|c| c.iter().collect())
            .unwrap_or_default();
        if let Ok(mut value) = s.parse::<f64>() {
            if negative {
                value = -value;
            }
            out.push(Stated {
                text: if negative { format!("-{text}") } else { text },
                value,
                decimals,
                percent,
            });
        }
        i = j + usize::from(percent);
    }
    out
}

/// The numbers a run (or a profile) computed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    values: Vec<f64>,
}

impl Facts {
    /// An empty set.
    pub fn new() -> Self {
        Facts::default()
    }

    /// Adds a number.
    pub fn add(&mut self, v: f64) -> &mut Self {
        if v.is_finite() {
            self.values.push(v);
        }
        self
    }

    /// The numbers of a run: scores, spreads, times, counts, importances.
    pub fn from_run(run: &RunContext) -> Facts {
        let mut f = Facts::new();
        f.add(run.best_score)
            .add(run.n_rows as f64)
            .add(run.n_columns as f64)
            .add(run.trials as f64)
            .add(run.elapsed_secs);
        if let Some(b) = run.baseline_score {
            f.add(b).add(run.best_score - b);
        }
        for m in &run.leaderboard {
            f.add(m.score)
                .add(m.std)
                .add(m.fit_secs)
                .add(run.best_score - m.score);
        }
        for (_, v) in &run.importances {
            f.add(*v);
        }
        for (_, c) in &run.class_counts {
            f.add(*c as f64);
        }
        let total: usize = run.class_counts.iter().map(|(_, c)| c).sum();
        if total > 0 {
            for (_, c) in &run.class_counts {
                f.add(*c as f64 / total as f64);
            }
        }
        // Counts a text may state about the lists themselves.
        f.add(run.leaderboard.len() as f64)
            .add(run.importances.len() as f64)
            .add(run.class_counts.len() as f64)
            .add(run.dropped_columns.len() as f64);
        f
    }

    /// The numbers of a profile: sizes, missing counts and shares, statistics, relations.
    pub fn from_profile(p: &DatasetProfile) -> Facts {
        let mut f = Facts::new();
        f.add(p.n_rows as f64)
            .add(p.n_cols as f64)
            .add(p.duplicate_rows as f64);
        for c in &p.columns {
            f.add(c.missing as f64)
                .add(c.missing_fraction)
                .add(c.distinct as f64);
            for t in &c.top_values {
                f.add(t.count as f64);
            }
            if let Some(n) = &c.numeric {
                for v in [
                    n.min,
                    n.max,
                    n.mean,
                    n.std,
                    n.skew,
                    n.quantiles.p25,
                    n.quantiles.p50,
                    n.quantiles.p75,
                ] {
                    f.add(v);
                }
                f.add(n.outliers.iqr_count as f64);
            }
        }
        for r in &p.relations {
            f.add(r.value);
        }
        if let Some(t) = &p.target {
            for c in &t.classes {
                f.add(c.count as f64)
                    .add(c.count as f64 / p.n_rows.max(1) as f64);
            }
            if let Some(r) = t.imbalance_ratio {
                f.add(r);
            }
            for r in &t.feature_relations {
                f.add(r.value).add(r.mutual_information);
            }
        }
        f
    }

    /// Whether a stated number matches a fact at its written precision (or as a percentage).
    pub fn grounds(&self, s: &Stated) -> bool {
        let tol = |d: usize| 0.5 * 10f64.powi(-(d as i32)) + 1e-9;
        self.values.iter().any(|&v| {
            let direct = (s.value - v).abs() <= tol(s.decimals)
                || (s.value + v).abs() <= tol(s.decimals) && s.value < 0.0;
            let as_percent = (s.value - 100.0 * v).abs() <= tol(s.decimals);
            let from_percent = s.percent && (s.value / 100.0 - v).abs() <= tol(s.decimals + 2);
            direct || as_percent || from_percent
        })
    }
}

/// The stated numbers no fact grounds.
pub fn ungrounded(text: &str, facts: &Facts) -> Vec<String> {
    numbers_in(text)
        .into_iter()
        .filter(|s| !facts.grounds(s))
        .map(|s| s.text)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_numbers_but_not_identifiers() {
        let n: Vec<String> = numbers_in(
            "ROC AUC 0.8623, 1,309 rows, 12% of `x1`, f1 score, 1st class, -0.5 and 5-fold.",
        )
        .into_iter()
        .map(|s| s.text)
        .collect();
        assert_eq!(n, vec!["0.8623", "1,309", "12", "-0.5", "5"]);
        let s = &numbers_in("12%")[0];
        assert!(s.percent);
        assert_eq!(numbers_in("gbdt.hist_gbm v2 x3")[..], []);
    }

    #[test]
    fn grounding_respects_precision() {
        let mut f = Facts::new();
        f.add(0.86234).add(1309.0).add(0.2);
        assert!(
            ungrounded("AUC 0.86 (0.862) on 1,309 rows; 20% missing; 86.2% AUC", &f).is_empty()
        );
        assert_eq!(ungrounded("AUC 0.87 and 0.91", &f), vec!["0.87", "0.91"]);
        assert_eq!(ungrounded("1310 rows", &f), vec!["1310"]);
    }
}
