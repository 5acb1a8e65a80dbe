//! The rule-based assistant's words: templates filled only with numbers the run computed.

use std::fmt::Write as _;

use mlpilot_core::{DatasetProfile, Metric, RunContext, Task};

/// Formats a score for prose: four decimals for bounded metrics, otherwise four significant
/// digits.
pub fn fmt_score(metric: Metric, v: f64) -> String {
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

/// The results of a run in plain words; every number comes from `run`.
///
/// ```
/// use mlpilot_core::{Metric, ModelScore, RunContext, Task};
/// let run = RunContext {
///     task: Task::Binary, target: "survived".into(), metric: Metric::RocAuc, n_rows: 1309,
///     n_columns: 5, best_model: "gbdt.hist_gbm".into(), best_score: 0.86, baseline_score: Some(0.5),
///     leaderboard: vec![ModelScore { model: "gbdt.hist_gbm".into(), score: 0.86, std: 0.01, fit_secs: 0.1 }],
///     importances: vec![("sex".into(), 0.5)], trials: 12, elapsed_secs: 9.5,
///     class_counts: vec![], dropped_columns: vec![],
/// };
/// let text = mlpilot_llm::offline::explain_results(&run);
/// assert!(text.contains("0.8600"));
/// ```
pub fn explain_results(run: &RunContext) -> String {
    let mut s = String::new();
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
            let _ = write!(s, " Warning: {}.", l.reason);
        }
    } else if let Some(t) = &p.suggestions.target {
        let _ = write!(
            s,
            " `{}` looks like the target ({}): {}.",
            t.column, t.task, t.reason
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
