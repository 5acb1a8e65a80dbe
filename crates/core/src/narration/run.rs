//! A run and a table in words for people: what the score means, the results, the dataset —
//! templates filled only with numbers the run computed (the rule-based assistant speaks with
//! them, and a language model's answers are checked against the same numbers).

use std::fmt::Write as _;

use crate::narration::score as fmt_score;
use crate::{DatasetProfile, Metric, RunContext, Task};

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
