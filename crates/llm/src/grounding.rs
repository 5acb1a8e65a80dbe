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
        let (mut s, mut decimals, mut j) = digits_at(&chars, i);
        // Scientific notation (`1.500e6`, `2.000e-4`, as `narration::number` writes the very
        // large and the very small): one number, its precision that of the mantissa.
        if let Some((exponent, e, end)) = exponent_at(&chars, j) {
            s.push('e');
            s.push_str(&exponent);
            decimals = (decimals as i32 - e).max(0) as usize;
            j = end;
        }
        // Digits glued to letters are part of a word ("1st", "3rd", "2x").
        if chars.get(j).is_some_and(|n| n.is_alphabetic() || *n == '_') {
            i = j;
            continue;
        }
        let percent = chars.get(j) == Some(&'%');
        // "out of 100", "in every 100": a scale, not a value the text states.
        let before: String = chars
            .get(i.saturating_sub(9)..i)
            .map(|c| c.iter().collect::<String>().to_lowercase())
            .unwrap_or_default();
        if s == "100" && (before.ends_with("out of ") || before.ends_with("in every ")) {
            i = j;
            continue;
        }
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

    /// The numbers held, in the order they were added.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// A set holding `values`.
    pub fn from_values(values: &[f64]) -> Facts {
        let mut f = Facts::new();
        for v in values {
            f.add(*v);
        }
        f
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
        // What the rules compute from the run to propose changes.
        f.add(crate::advisor::proposed_budget(run));
        if let Some(r) = crate::advisor::imbalance_ratio(run) {
            f.add(r);
        }
        // The numbers of the model's own description (an ensemble's weights).
        for n in numbers_in(&run.best_model) {
            f.add(n.value);
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

/// What the claims of a text are checked against, beyond its numbers: the comparisons the run
/// decides (the model against the baseline and the runner-up), the names that exist, and the
/// direction of each column's contribution to one prediction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claims {
    /// Whether a larger score is better (`None`: no score in play).
    pub higher_is_better: Option<bool>,
    /// The model's score.
    pub score: Option<f64>,
    /// The constant prediction's score.
    pub baseline: Option<f64>,
    /// The runner-up's name and score.
    pub runner_up: Option<(String, f64)>,
    /// Names a text may put in backticks: columns, models, classes, values.
    pub names: Vec<String>,
    /// Each column's signed contribution to one prediction.
    pub contributions: Vec<(String, f64)>,
}

impl Claims {
    /// The claims a run decides: its score against the baseline and the runner-up, and the
    /// names of its columns, models, classes and metric.
    pub fn from_run(run: &RunContext) -> Claims {
        let runner_up = run
            .leaderboard
            .iter()
            .find(|m| m.model != run.best_model && !m.model.starts_with("ensemble"))
            .map(|m| (m.model.clone(), m.score));
        let mut names: Vec<String> = vec![run.target.clone(), run.best_model.clone()];
        names.extend(run.leaderboard.iter().map(|m| m.model.clone()));
        names.extend(run.importances.iter().map(|(c, _)| c.clone()));
        names.extend(run.dropped_columns.iter().map(|(c, _)| c.clone()));
        names.extend(run.input_columns.iter().cloned());
        names.extend(run.class_counts.iter().map(|(c, _)| c.clone()));
        names.push(run.metric.as_str().to_string());
        names.push(run.metric.display_name().to_string());
        Claims {
            higher_is_better: Some(run.metric.better(1.0, 0.0)),
            score: Some(run.best_score),
            baseline: run.baseline_score,
            runner_up,
            names,
            contributions: Vec::new(),
        }
    }

    /// The names of a profile: its columns and their frequent values.
    pub fn from_profile(p: &DatasetProfile) -> Claims {
        Claims {
            names: p
                .columns
                .iter()
                .flat_map(|c| {
                    std::iter::once(c.name.clone())
                        .chain(c.top_values.iter().map(|v| v.value.clone()))
                        .chain(std::iter::once(c.kind.as_str().to_string()))
                })
                .collect(),
            ..Claims::default()
        }
    }
}

const UP: [&str; 12] = [
    "higher",
    "above",
    "greater",
    "more than",
    "exceeds",
    "larger",
    "increases",
    "raises",
    "pushes up",
    "pushed up",
    "increase",
    "raise",
];
const DOWN: [&str; 12] = [
    "lower",
    "below",
    "less than",
    "smaller",
    "under",
    "decreases",
    "reduces",
    "lowers",
    "pushes down",
    "pushed down",
    "decrease",
    "reduce",
];
const BETTER: [&str; 5] = ["better", "outperforms", "beats", "improves on", "ahead of"];
const WORSE: [&str; 5] = [
    "worse",
    "underperforms",
    "fails to beat",
    "behind",
    "not better",
];

fn has_any(s: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        s.match_indices(w).any(|(i, _)| {
            let before = s.get(..i).and_then(|b| b.chars().last());
            let after = s.get(i + w.len()..).and_then(|a| a.chars().next());
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// The claims of a text that contradict the run: a comparison stated the wrong way round (the
/// model against the baseline or the runner-up, or two numbers "A is lower than B"), a name in
/// backticks that exists nowhere in the run, a column said to push a prediction the way it
/// does not. Each problem in words; none when all claims hold.
pub fn false_claims(text: &str, claims: &Claims) -> Vec<String> {
    let mut out = Vec::new();
    for sentence in sentences(text) {
        // "not better" is worse, "not higher" lower, and so on.
        let lower = sentence
            .to_lowercase()
            .replace("not better", "worse")
            .replace("not higher", "lower")
            .replace("not lower", "higher")
            .replace("not worse", "better");
        let up = has_any(&lower, &UP);
        let down = has_any(&lower, &DOWN);
        let better = has_any(&lower, &BETTER);
        let worse = has_any(&lower, &WORSE);
        if !(up || down || better || worse) {
            continue;
        }
        let words = Comparatives {
            up,
            down,
            better,
            worse,
        };
        if let Some(wrong) = two_numbers_claim(sentence, words) {
            out.push(wrong);
            continue;
        }
        // The model against the baseline or the runner-up.
        let (Some(score), Some(hib)) = (claims.score, claims.higher_is_better) else {
            continue;
        };
        out.extend(comparison_claims(
            sentence, &lower, claims, score, hib, words,
        ));
        out.extend(contribution_claims(sentence, &lower, claims, words));
    }
    if !claims.names.is_empty() {
        for name in backticked(text) {
            if !claims.names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                out.push(format!(
                    "`{name}` is not a column, model or value of this run"
                ));
            }
        }
    }
    out
}

/// The digits of a number starting at `i` (a thousands comma skipped, one decimal point kept):
/// the digits, how many follow the point, and where the number ends.
fn digits_at(chars: &[char], i: usize) -> (String, usize, usize) {
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
    (s, decimals, j)
}

/// An exponent (`e6`, `e-4`) at `j` that ends the number: its text, its value and where it
/// ends.
fn exponent_at(chars: &[char], j: usize) -> Option<(String, i32, usize)> {
    if chars.get(j) != Some(&'e') {
        return None;
    }
    let sign = chars
        .get(j + 1)
        .filter(|c| **c == '-' || **c == '+')
        .is_some();
    let first = j + 1 + usize::from(sign);
    let mut end = first;
    while chars.get(end).is_some_and(char::is_ascii_digit) {
        end += 1;
    }
    if end == first || chars.get(end).is_some_and(|n| n.is_alphanumeric()) {
        return None;
    }
    let exponent: String = chars
        .get(j + 1..end)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    let e = exponent.parse::<i32>().ok()?;
    Some((exponent, e, end))
}

/// A text's sentences: split after `.`, `;`, `!` or `?` followed by a space or the end (not
/// inside `0.802`).
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '.' | ';' | '!' | '?') && chars.peek().is_none_or(|(_, n)| n.is_whitespace())
        {
            let end = i + c.len_utf8();
            if let Some(s) = text.get(start..end) {
                out.push(s);
            }
            start = end;
        }
    }
    if let Some(rest) = text.get(start..).filter(|r| !r.trim().is_empty()) {
        out.push(rest);
    }
    out
}

fn mentions_model(lower: &str) -> bool {
    [
        "model", "score", "it ", "its ", "accuracy", "auc", "error", "r²", "r2",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

fn round4(v: f64) -> String {
    format!("{:.4}", v)
}

/// The names a text puts in backticks.
pub fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .filter(|n| !n.is_empty())
        .collect()
}

/// Which comparative words a sentence uses.
#[derive(Debug, Clone, Copy)]
struct Comparatives {
    up: bool,
    down: bool,
    better: bool,
    worse: bool,
}

/// Two numbers around one comparative ("0.80 is lower than 0.73"): what is false about them.
fn two_numbers_claim(sentence: &str, words: Comparatives) -> Option<String> {
    let Comparatives {
        up,
        down,
        better,
        worse,
    } = words;
    let nums = numbers_in(sentence);
    if let [a, b] = nums.as_slice()
        && (up != down)
        && !(better || worse)
    {
        let holds = if up {
            a.value > b.value
        } else {
            a.value < b.value
        };
        let pos_a = sentence.find(&a.text).unwrap_or(0);
        let pos_b = sentence.rfind(&b.text).unwrap_or(0);
        let between = sentence.get(pos_a..pos_b).unwrap_or("").to_lowercase();
        if (has_any(&between, &UP) || has_any(&between, &DOWN)) && !holds {
            return Some(format!(
                "\"{}\" says {} is {} {}, which is false",
                sentence.trim(),
                a.text,
                if up { "above" } else { "below" },
                b.text
            ));
        }
    }
    None
}

/// The model compared with the baseline or the runner-up the wrong way round.
fn comparison_claims(
    sentence: &str,
    lower: &str,
    claims: &Claims,
    score: f64,
    hib: bool,
    words: Comparatives,
) -> Vec<String> {
    let Comparatives {
        up,
        down,
        better,
        worse,
    } = words;
    let mut out = Vec::new();
    let mut against: Vec<(String, f64)> = Vec::new();
    if let Some(b) = claims.baseline
        && (lower.contains("baseline")
            || lower.contains("constant")
            || lower.contains("always predicting")
            || lower.contains("always guessing"))
    {
        against.push(("the baseline".into(), b));
    }
    if let Some((name, v)) = &claims.runner_up
        && (lower.contains("runner-up") || lower.contains(&name.to_lowercase()))
    {
        against.push((format!("the runner-up ({name})"), *v));
    }
    // Which side is the subject: "the baseline beats the model" claims the other way.
    let first_comparative = UP
        .iter()
        .chain(DOWN.iter())
        .chain(BETTER.iter())
        .chain(WORSE.iter())
        .filter_map(|w| lower.find(w))
        .min()
        .unwrap_or(0);
    let first_of = |words: &[&str]| words.iter().filter_map(|w| lower.find(w)).min();
    for (what, other) in against {
        let other_words: Vec<String> = if what.starts_with("the baseline") {
            [
                "baseline",
                "constant",
                "always predicting",
                "always guessing",
            ]
            .iter()
            .map(|w| (*w).to_string())
            .collect()
        } else {
            let mut v = vec!["runner-up".to_string()];
            if let Some((name, _)) = &claims.runner_up {
                v.push(name.to_lowercase());
            }
            v
        };
        let other_refs: Vec<&str> = other_words.iter().map(String::as_str).collect();
        let other_at = first_of(&other_refs).unwrap_or(usize::MAX);
        let model_at = first_of(&["model", "it ", "its ", "our "]).unwrap_or(usize::MAX);
        let flipped = other_at < first_comparative && other_at < model_at;
        let model_better = (if hib { score > other } else { score < other }) != flipped;
        let model_greater = (score > other) != flipped;
        let wrong = (better && !worse && !model_better)
            || (worse && !better && model_better)
            || (up && !down && !model_greater && mentions_model(lower))
            || (down && !up && model_greater && mentions_model(lower));
        if wrong {
            out.push(format!(
                "\"{}\" compares the model with {what} the wrong way round (the model scores {}, {what} {})",
                sentence.trim(),
                round4(score),
                round4(other)
            ));
        }
    }
    out
}

/// A column said to push the prediction the other way from its contribution.
fn contribution_claims(
    sentence: &str,
    lower: &str,
    claims: &Claims,
    words: Comparatives,
) -> Vec<String> {
    let Comparatives { up, down, .. } = words;
    let mut out = Vec::new();
    for (col, c) in &claims.contributions {
        if !has_any(lower, &[col.to_lowercase().as_str()]) || *c == 0.0 {
            continue;
        }
        if (up && !down && *c < 0.0) || (down && !up && *c > 0.0) {
            out.push(format!(
                "\"{}\" says `{col}` {} the prediction; it {} it ({:+.3})",
                sentence.trim(),
                if up { "raises" } else { "lowers" },
                if *c > 0.0 { "raises" } else { "lowers" },
                c
            ));
        }
    }
    out
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
        // A scale is no stated value; a perfect score stated as a value is.
        let n: Vec<String> = numbers_in("86 times out of 100, an AUC of 1.0 and 100 rows")
            .into_iter()
            .map(|s| s.text)
            .collect();
        assert_eq!(n, vec!["86", "1.0", "100"]);
        // Scientific notation is one number (not a mantissa and a stray exponent).
        let n = numbers_in("a median of 1.500e6, a spread of 2.000e-4 and 3e5x");
        let got: Vec<(String, f64, usize)> = n
            .into_iter()
            .map(|s| (s.text, s.value, s.decimals))
            .collect();
        assert_eq!(
            got,
            vec![
                ("1.500e6".to_string(), 1.5e6, 0),
                ("2.000e-4".to_string(), 2e-4, 7)
            ]
        );
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

    fn run_claims() -> Claims {
        Claims {
            higher_is_better: Some(true),
            score: Some(0.802),
            baseline: Some(0.7345),
            runner_up: Some(("linear".into(), 0.79)),
            names: vec!["tenure".into(), "gender".into(), "Churn".into()],
            contributions: vec![("tenure".into(), -0.12), ("contract".into(), 0.2)],
        }
    }

    #[test]
    fn a_grounded_but_false_comparison_is_caught() {
        let c = run_claims();
        // Every number is real; the claim is not.
        assert!(
            !false_claims(
                "The model is not better because it has a lower ROC AUC score compared to the baseline score of 0.5.",
                &Claims { baseline: Some(0.5), ..c.clone() }
            )
            .is_empty()
        );
        let text = "The model has a lower accuracy score compared to the baseline: the baseline score is 0.7345, while the model's accuracy score is 0.802.";
        assert_eq!(
            false_claims(text, &c).len(),
            1,
            "{:?}",
            false_claims(text, &c)
        );
        assert!(
            false_claims("The model scores 0.802, above the baseline of 0.7345.", &c).is_empty()
        );
        assert!(!false_claims("It is worse than the baseline.", &c).is_empty());
        assert!(false_claims("It is better than the runner-up (linear).", &c).is_empty());
        assert!(
            !false_claims(
                "The linear runner-up beats it... no: it is worse than linear.",
                &c
            )
            .is_empty()
        );
        // Two numbers, one comparison.
        assert!(!false_claims("0.802 is lower than 0.7345.", &c).is_empty());
        assert!(false_claims("0.7345 is lower than 0.802.", &c).is_empty());
        // Lower is better for an error.
        let err = Claims {
            higher_is_better: Some(false),
            score: Some(3.1),
            baseline: Some(5.0),
            ..Claims::default()
        };
        assert!(
            false_claims("Its error of 3.1 is lower than the baseline's 5.0.", &err).is_empty()
        );
        assert!(!false_claims("It does worse than the baseline.", &err).is_empty());
    }

    #[test]
    fn names_and_directions_are_checked() {
        let c = run_claims();
        assert_eq!(
            false_claims("Leave out `female` and `partner`.", &c),
            vec![
                "`female` is not a column, model or value of this run".to_string(),
                "`partner` is not a column, model or value of this run".to_string()
            ]
        );
        assert!(false_claims("`tenure` lowers the prediction.", &c).is_empty());
        assert!(!false_claims("A long `tenure` raises the prediction.", &c).is_empty());
        assert!(
            false_claims(
                "The `contract` pushes it up.",
                &Claims {
                    names: vec!["contract".into()],
                    ..c.clone()
                }
            )
            .is_empty()
        );
    }

    #[test]
    fn the_subject_of_a_comparison_is_heard() {
        let c = run_claims();
        // True, with the baseline as the subject.
        assert!(
            false_claims("The baseline's 0.7345 is lower than the model's 0.802.", &c).is_empty()
        );
        assert!(false_claims("Always guessing would score lower than the model.", &c).is_empty());
        // False, with the baseline or the runner-up as the subject.
        assert!(!false_claims("The baseline beats the model.", &c).is_empty());
        assert!(!false_claims("The runner-up scored higher than our model.", &c).is_empty());
        // A column's name inside another word is not that column.
        let c = Claims {
            contributions: vec![("age".into(), -0.2)],
            ..Claims::default()
        };
        assert!(false_claims("Being a female passenger raises the prediction.", &c).is_empty());
    }
}
