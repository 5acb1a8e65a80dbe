//! A run and a table in words for people: what the score means, the results, the dataset —
//! templates filled only with numbers the run computed (the rule-based assistant speaks with
//! them, and a language model's answers are checked against the same numbers).

use std::fmt::Write as _;

use crate::narration::score as fmt_score;
use crate::{ColumnKind, DatasetProfile, Metric, ModelFamily, RunContext, Task};

fn family_of(id: &str) -> &'static str {
    match id {
        id if id.starts_with("ensemble") => "an ensemble",
        id if id.contains("hist_gbm") || id.contains("adaboost") => "gradient boosting",
        id if id.contains("random_forest") => "a random forest",
        id if id.contains("extra_trees") => "extremely randomised trees",
        id if id.contains("decision_tree") => "a decision tree",
        id if id.contains("logistic") => "logistic regression",
        id if id.contains("ridge")
            || id.contains("lasso")
            || id.contains("elastic")
            || id.contains("linear") =>
        {
            "a linear model"
        }
        id if id.contains("knn") => "nearest neighbours",
        id if id.contains("svm") => "a support vector machine",
        id if id.contains("nb") || id.contains("bayes") => "naive Bayes",
        id if id.contains("mlp") => "a neural network",
        _ => "a model",
    }
}

/// What the score means for this problem in everyday words, against the naive baseline (every
/// number one of the run's: a score as "N times out of 100" is the score in percent).
pub fn plain_meaning(run: &RunContext) -> Option<String> {
    let target = &run.target;
    let total: usize = run.class_counts.iter().map(|c| c.1).sum();
    let majority = run.class_counts.iter().max_by_key(|c| c.1);
    let minority = run.class_counts.iter().min_by_key(|c| c.1);
    let pct = |v: f64| format!("{:.0}", 100.0 * v);
    let s = match run.metric {
        Metric::RocAuc if run.class_counts.len() == 2 => {
            let (Some(rare), Some(common)) = (minority, majority) else {
                return None;
            };
            format!(
                "Shown a row where `{target}` is `{}` and one where it is `{}`, the model puts the `{}` row first {} times out of 100 (guessing would manage 50).",
                rare.0,
                common.0,
                rare.0,
                pct(run.best_score)
            )
        }
        Metric::Accuracy => {
            let mut s = format!(
                "The model is right about `{target}` {} times out of 100",
                pct(run.best_score)
            );
            if let Some(m) = majority.filter(|_| total > 0) {
                s.push_str(&format!(
                    "; always guessing `{}` would be right {} % of the time",
                    m.0,
                    pct(m.1 as f64 / total as f64)
                ));
            }
            s.push('.');
            s
        }
        Metric::R2 => format!(
            "The model explains {} % of how `{target}` varies from row to row; always predicting the average explains none.",
            pct(run.best_score.max(0.0))
        ),
        Metric::Rmse | Metric::Mae => {
            let mut s = format!(
                "The model's predictions of `{target}` are typically off by {}",
                fmt_score(run.metric, run.best_score)
            );
            if let Some(b) = run.baseline_score {
                s.push_str(&format!(
                    "; always predicting the average, they would be off by {}",
                    fmt_score(run.metric, b)
                ));
            }
            s.push('.');
            s
        }
        _ => {
            let b = run.baseline_score?;
            format!(
                "On {} the model scores {}, where a constant prediction scores {} ({} is better).",
                run.metric.display_name(),
                fmt_score(run.metric, run.best_score),
                fmt_score(run.metric, b),
                if run.metric.better(1.0, 0.0) {
                    "higher"
                } else {
                    "lower"
                }
            )
        }
    };
    Some(s)
}

/// The results of a run in plain words, every number from `run`: what the score means first,
/// then the model, its score against the baseline, the runner-up, what matters and what was
/// left out.
///
/// ```
/// use mlpilot_core::{Metric, ModelScore, RunContext, Task};
/// let run = RunContext {
///     task: Task::Binary, target: "survived".into(), metric: Metric::RocAuc, n_rows: 1309,
///     n_columns: 5, best_model: "gbdt.hist_gbm".into(), best_score: 0.86, baseline_score: Some(0.5),
///     leaderboard: vec![ModelScore { model: "gbdt.hist_gbm".into(), score: 0.86, std: 0.01, fit_secs: 0.1 }],
///     importances: vec![("sex".into(), 0.5)], trials: 12, elapsed_secs: 9.5,
///     class_counts: vec![], dropped_columns: vec![], input_columns: vec!["sex".into()],
/// };
/// let text = mlpilot_core::narration::explain_results(&run);
/// assert!(text.contains("0.8600"));
/// ```
pub fn explain_results(run: &RunContext) -> String {
    let mut s = plain_meaning(run).map_or(String::new(), |p| p + " ");
    let best = &run.best_model;
    let _ = write!(
        s,
        "The best model for `{}` is {} ({best}), with {} {} on validation",
        run.target,
        family_of(best),
        run.metric.display_name(),
        fmt_score(run.metric, run.best_score)
    );
    let best_row = run
        .leaderboard
        .iter()
        .find(|m| m.model == *best || (best.starts_with("ensemble") && m.model == "ensemble"));
    if let Some(std) = best_row.map(|m| m.std).filter(|s| *s > 0.0) {
        let _ = write!(s, " (± {})", fmt_score(run.metric, std));
    }
    match run.baseline_score {
        Some(b) => {
            let what = if run.task.is_classification() {
                "always predicting the most frequent class"
            } else {
                "always predicting the mean"
            };
            let _ = write!(s, ", against {} for {what}.", fmt_score(run.metric, b));
        }
        None => s.push('.'),
    }
    let families: std::collections::BTreeSet<&str> = run
        .leaderboard
        .iter()
        .filter(|m| !m.model.starts_with("ensemble"))
        .map(|m| family_of(&m.model))
        .collect();
    let _ = write!(
        s,
        " {} trials in {:.1} s compared {} model famil{} on {} rows and {} input columns.",
        run.trials,
        run.elapsed_secs,
        families.len(),
        if families.len() == 1 { "y" } else { "ies" },
        run.n_rows,
        run.n_columns
    );
    if let Some(second) = run
        .leaderboard
        .iter()
        .find(|m| m.model != *best && !m.model.starts_with("ensemble"))
    {
        let _ = write!(
            s,
            " The runner-up was {} ({}) at {}.",
            family_of(&second.model),
            second.model,
            fmt_score(run.metric, second.score)
        );
    }
    let top: Vec<String> = run
        .importances
        .iter()
        .take(3)
        .map(|(c, v)| format!("`{c}` ({v:.2})"))
        .collect();
    if !top.is_empty() {
        let _ = write!(s, " The inputs that matter most are {}.", join_and(&top));
    }
    if !run.dropped_columns.is_empty() {
        let cols: Vec<String> = run
            .dropped_columns
            .iter()
            .map(|(c, _)| format!("`{c}`"))
            .collect();
        let _ = write!(s, " Left out: {}.", join_and(&cols));
    }
    s
}

/// Joins items as "a, b and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// What the score means in everyday words: the assistant's plain reading of it, then — for
/// classes — how often always guessing the commonest class would be right (both numbers are
/// among `summary.json`'s `facts`).
pub fn score_meaning(run: &RunContext) -> Option<String> {
    let plain = plain_meaning(run);
    let total: usize = run.class_counts.iter().map(|c| c.1).sum();
    let guess = run
        .class_counts
        .iter()
        .max_by_key(|c| c.1)
        .filter(|_| total > 0)
        .map(|(label, n)| {
            format!(
                "Always guessing `{label}` would be right {} % of the time.",
                super::percent(*n, total)
            )
        });
    // With classes about equally common, "always guessing" one of them is arbitrary: say how
    // often a guess would be right instead (1 in the number of classes).
    let k = run.class_counts.len();
    let even = run
        .class_counts
        .iter()
        .map(|c| c.1)
        .max()
        .is_some_and(|m| k > 2 && total > 0 && (m as f64) < 1.2 * total as f64 / k as f64);
    let guess = if even {
        Some(format!(
            "The {k} classes are about equally common, so a guess would be right about 1 time in {k}."
        ))
    } else {
        guess
    };
    match (plain, guess) {
        (Some(p), Some(g))
            if !p.contains("guessing the commonest") && !p.contains("always guessing") =>
        {
            Some(format!("{p} {g}"))
        }
        (Some(p), _) => Some(p),
        (None, g) => g,
    }
}

/// Why a model family suits (or may not suit) this table, in one sentence.
pub fn family_reason(f: ModelFamily, p: &DatasetProfile) -> String {
    let rows = p.n_rows;
    let categorical = p
        .columns
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Categorical | ColumnKind::Boolean))
        .count();
    let text = p.columns.iter().any(|c| c.kind == ColumnKind::Text);
    let missing = p.columns.iter().any(|c| c.missing > 0);
    match f {
        ModelFamily::Boosting => format!(
            "usually the most accurate on tables like this: it adds small trees that correct \
             each other{}",
            if missing {
                ", and it copes with the missing values directly"
            } else {
                ""
            }
        ),
        ModelFamily::Forest => {
            "averages many trees grown on different samples, so it rarely overfits and needs \
             little tuning"
                .into()
        }
        ModelFamily::Tree => {
            "one tree of yes/no questions: easy to read, rarely the most accurate".into()
        }
        ModelFamily::Linear => format!(
            "fast and easy to read — each input pushes the answer up or down by a fixed \
             amount; a yardstick the others must beat{}",
            if categorical > 0 {
                " (labels are turned into one column per value)"
            } else {
                ""
            }
        ),
        ModelFamily::NaiveBayes => {
            if text {
                "very fast and strong on word counts, which this table's text gives".into()
            } else {
                "very fast; a quick check of what simple rules can do".into()
            }
        }
        ModelFamily::Neighbors => format!(
            "predicts from the most similar rows{}",
            if rows > 50_000 {
                "; slow to predict with this many rows, so it gets less time"
            } else {
                ""
            }
        ),
        ModelFamily::Svm => format!(
            "draws the widest possible boundary between the classes{}",
            if rows > 20_000 {
                "; slow with this many rows, so it gets a sample"
            } else {
                ""
            }
        ),
        ModelFamily::NeuralNet => format!(
            "layers of simple units that can learn interactions{}",
            if rows < 2000 {
                "; with this few rows it rarely beats the trees"
            } else {
                ""
            }
        ),
        ModelFamily::Baseline => "always predicts the same thing: the score to beat".into(),
    }
}

/// The model in words from its members' families: one family ("one gradient boosting model"),
/// or for an ensemble how many models of which families, commonest first ("an average of 7
/// models: 6 gradient boosting, 1 nearest neighbours").
pub fn ensemble_in_words(member_families: &[&str]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for f in member_families {
        match counts.iter_mut().find(|(name, _)| name == f) {
            Some((_, n)) => *n += 1,
            None => counts.push((f, 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    match (member_families.len(), counts.as_slice()) {
        (1, [(f, _)]) => format!("one {f} model"),
        (n, _) => format!(
            "an average of {n} models: {}",
            counts
                .iter()
                .map(|(f, k)| format!("{k} {f}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A dataset described in words from its profile: size, kinds, missing values, the target.
pub fn describe_dataset(p: &DatasetProfile) -> String {
    let mut s = format!("The table has {} rows and {} columns", p.n_rows, p.n_cols);
    let mut kinds: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for c in &p.columns {
        kinds
            .entry(c.kind.as_str())
            .or_default()
            .push(c.name.as_str());
    }
    let parts: Vec<String> = kinds
        .iter()
        .map(|(k, cols)| {
            let shown: Vec<String> = cols.iter().take(3).map(|c| format!("`{c}`")).collect();
            let more = if cols.len() > 3 {
                format!(" and {} more", cols.len() - 3)
            } else {
                String::new()
            };
            format!("{} {k} ({}{more})", cols.len(), shown.join(", "))
        })
        .collect();
    let _ = write!(s, ": {}.", join_and(&parts));
    let missing: Vec<String> = p
        .columns
        .iter()
        .filter(|c| c.missing > 0)
        .map(|c| format!("`{}` ({:.1}%)", c.name, 100.0 * c.missing_fraction))
        .take(4)
        .collect();
    if missing.is_empty() {
        s.push_str(" No values are missing.");
    } else {
        let _ = write!(s, " Missing values appear in {}.", join_and(&missing));
    }
    if p.duplicate_rows > 0 {
        let _ = write!(s, " {} rows repeat an earlier row.", p.duplicate_rows);
    }
    if let Some(t) = &p.target {
        let _ = write!(s, " The target `{}` makes this a {} task", t.name, t.task);
        if !t.classes.is_empty() {
            let classes: Vec<String> = t
                .classes
                .iter()
                .take(4)
                .map(|c| format!("{} {}", c.value, c.count))
                .collect();
            let _ = write!(s, " ({})", classes.join(", "));
        }
        s.push('.');
        if let Some(f) = t.feature_relations.first() {
            let _ = write!(
                s,
                " `{}` is the most informative single input ({} {:.2}).",
                f.feature,
                f.measure.display_name(),
                f.value
            );
        }
        for l in &t.leakage_suspects {
            let _ = write!(s, " Warning: {}.", l.reason());
        }
    } else if let Some(t) = &p.suggestions.target {
        let _ = write!(
            s,
            " `{}` looks like the target ({}): {}.",
            t.column,
            t.task,
            t.reason()
        );
    }
    s
}

/// The task a target implies, as an article and a noun ("a binary classification").
pub fn task_words(task: Task) -> &'static str {
    match task {
        Task::Binary => "a binary classification",
        Task::Multiclass => "a multiclass classification",
        Task::Regression => "a regression",
        Task::Forecast => "a forecast",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::KindFact;
    use crate::profile::ColumnProfile;

    fn run(class_counts: Vec<(&str, usize)>) -> RunContext {
        RunContext {
            importances: vec![],
            input_columns: vec![],
            class_counts: class_counts
                .into_iter()
                .map(|(c, n)| (c.to_string(), n))
                .collect(),
            ..super::super::assistant::tests::run()
        }
    }

    fn column(name: &str, kind: ColumnKind, missing: usize) -> ColumnProfile {
        ColumnProfile {
            name: name.into(),
            kind,
            why: KindFact::AllMissing { rows: 0 },
            read_as: None,
            dtype: "f64".into(),
            missing,
            missing_fraction: 0.0,
            distinct: 0,
            top_values: vec![],
            numeric: None,
            text: None,
            datetime: None,
        }
    }

    #[test]
    fn a_score_meaning_adds_what_guessing_would_get() {
        let m = score_meaning(&run(vec![("died", 549), ("survived", 342)])).unwrap();
        assert!(
            m.ends_with("Always guessing `died` would be right 62 % of the time."),
            "{m}"
        );
        // Classes about equally common: one guess in the number of classes.
        let mut even = run(vec![("a", 50), ("b", 52), ("c", 49)]);
        even.task = Task::Multiclass;
        let m = score_meaning(&even).unwrap();
        assert!(
            m.ends_with("The 3 classes are about equally common, so a guess would be right about 1 time in 3."),
            "{m}"
        );
        let pct = crate::narration::percent;
        assert_eq!(pct(3, 1000), "0.3");
        assert_eq!(pct(0, 0), "0");
        assert_eq!(pct(0, 10), "0");
        assert_eq!(pct(1, 100_000), "<0.1");
        assert_eq!(pct(1, 1000), "0.1");
        assert_eq!(pct(177, 891), "20");
        assert_eq!(pct(996, 1000), "99.6");
        assert_eq!(pct(99_999, 100_000), "99.9");
        assert_eq!(pct(10, 10), "100");
        assert_eq!(crate::narration::seconds(0.0004), "0.00");
        assert_eq!(crate::narration::seconds(123.4), "123");
    }

    #[test]
    fn families_and_ensembles_in_words() {
        let p = DatasetProfile {
            n_rows: 100_000,
            columns: vec![column("x", ColumnKind::Float, 3)],
            ..DatasetProfile::default()
        };
        assert!(
            family_reason(ModelFamily::Boosting, &p)
                .ends_with("copes with the missing values directly")
        );
        assert!(family_reason(ModelFamily::Neighbors, &p).ends_with("so it gets less time"));
        assert_eq!(
            ensemble_in_words(&["gradient boosting"]),
            "one gradient boosting model"
        );
        assert_eq!(
            ensemble_in_words(&["neighbours", "boosting", "boosting"]),
            "an average of 3 models: 2 boosting, 1 neighbours"
        );
    }

    #[test]
    fn table_warnings_name_columns_and_shares() {
        let p = DatasetProfile {
            n_rows: 200,
            duplicate_rows: 3,
            columns: vec![
                column("age", ColumnKind::Float, 40),
                column("id", ColumnKind::Constant, 0),
            ],
            ..DatasetProfile::default()
        };
        assert_eq!(
            crate::narration::data_warnings(&p),
            vec![
                "`age` is missing in 40 of 200 rows (20 %); the gaps are filled before training, \
                 and the model can tell a filled value from a real one",
                "3 rows repeat an earlier row exactly (2 %)",
                "`id` holds one value in every row; it cannot help and is left out",
            ]
        );
        let help = crate::narration::help();
        assert!(help.contains(crate::narration::CAN_DO), "{help}");
        let g = crate::narration::glossary();
        assert!(g.get("roc_auc").is_some_and(|m| m.starts_with("ROC AUC: ")));
    }
}
