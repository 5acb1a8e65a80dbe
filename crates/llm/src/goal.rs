//! From a goal in plain words to a task, by rules: the column the goal names (by its words), the
//! task the column's type implies, the metric the goal asks for.

use mlpilot_core::profile::ColumnProfile;
use mlpilot_core::{ColumnKind, DatasetProfile, Error, Metric, Result, Task, TaskSpec};

/// Lowercase word stems of a text: split on non-alphanumerics and case changes
/// (`SalePrice` → `sale`, `price`), with a plural or verb `s`/`es`/`ing`/`ed` removed.
pub fn stems(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
        .into_iter()
        .map(|w| stem(&w))
        .filter(|w| !w.is_empty())
        .collect()
}

fn stem(w: &str) -> String {
    for suffix in ["ing", "ies", "es", "ed", "s"] {
        if w.len() > suffix.len() + 2
            && let Some(s) = w.strip_suffix(suffix)
        {
            return if suffix == "ies" {
                format!("{s}y")
            } else {
                s.to_string()
            };
        }
    }
    w.to_string()
}

const STOP: [&str; 24] = [
    "the", "a", "an", "of", "to", "for", "who", "which", "what", "will", "predict", "estimate",
    "forecast", "is", "are", "be", "how", "much", "many", "whether", "i", "want", "this", "from",
];

/// How strongly a goal names a column: 3 per column word the goal contains, 2 per shared
/// 4-letter prefix, 0 when nothing matches.
pub fn name_match(goal: &[String], column: &str) -> u32 {
    let col = stems(column);
    let mut score = 0;
    for w in col.iter().filter(|w| !STOP.contains(&w.as_str())) {
        if goal.iter().any(|g| g == w) {
            score += 3;
        } else if w.len() >= 4
            && goal
                .iter()
                .any(|g| g.len() >= 4 && g.get(..4) == w.get(..4))
        {
            score += 2;
        }
    }
    score
}

fn eligible(c: &ColumnProfile) -> bool {
    matches!(
        c.kind,
        ColumnKind::Boolean | ColumnKind::Categorical | ColumnKind::Integer | ColumnKind::Float
    ) && !(c.kind == ColumnKind::Categorical && c.distinct > 100)
}

fn all_nonneg_small(c: &ColumnProfile) -> bool {
    c.numeric
        .as_ref()
        .is_some_and(|n| n.min >= 0.0 && n.max <= 100.0)
}

/// The task a column implies, by its kind.
pub fn task_for(c: &ColumnProfile) -> Option<Task> {
    mlpilot_core::task::task_for_target(c.kind, c.distinct, all_nonneg_small(c)).map(|(t, _)| t)
}

/// The metric a goal asks for, if it names one that fits the task.
pub fn metric_in_goal(goal: &str, task: Task) -> Option<Metric> {
    let g = goal.to_ascii_lowercase();
    let candidates: [(&str, Metric); 12] = [
        ("balanced accuracy", Metric::BalancedAccuracy),
        ("accuracy", Metric::Accuracy),
        ("log loss", Metric::LogLoss),
        ("auc", Metric::RocAuc),
        ("macro f1", Metric::F1Macro),
        ("f1", Metric::F1),
        ("precision", Metric::Precision),
        ("recall", Metric::Recall),
        ("rmse", Metric::Rmse),
        ("mae", Metric::Mae),
        ("mape", Metric::Mape),
        ("r2", Metric::R2),
    ];
    candidates
        .iter()
        .find(|(k, m)| g.contains(k) && m.applies_to(task))
        .map(|(_, m)| *m)
}

/// The target column the rules pick for a goal, with the strength of the match (0 when the
/// goal names no column and the profile's suggestion was used).
pub fn rules_target(goal: &str, profile: &DatasetProfile) -> Option<(String, u32)> {
    let g = stems(goal);
    let best = profile
        .columns
        .iter()
        .filter(|c| eligible(c))
        .map(|c| (c, name_match(&g, &c.name)))
        .filter(|(_, s)| *s > 0)
        .max_by(|a, b| {
            a.1.cmp(&b.1)
                .then_with(|| b.0.name.len().cmp(&a.0.name.len()))
        });
    match best {
        Some((c, s)) => Some((c.name.clone(), s)),
        None => profile
            .suggestions
            .target
            .as_ref()
            .map(|t| (t.column.clone(), 0))
            .or_else(|| {
                profile
                    .columns
                    .iter()
                    .rev()
                    .find(|c| eligible(c))
                    .map(|c| (c.name.clone(), 0))
            }),
    }
}

/// Columns the goal asks to leave out ("ignoring X", "without X", "exclude X").
pub fn excluded_in_goal(goal: &str, profile: &DatasetProfile, target: &str) -> Vec<String> {
    let lower = goal.to_ascii_lowercase();
    let mut out = Vec::new();
    for marker in [
        "ignoring ",
        "ignore ",
        "without ",
        "exclude ",
        "excluding ",
        "except ",
    ] {
        if let Some(pos) = lower.find(marker) {
            let tail = goal.get(pos + marker.len()..).unwrap_or("");
            let words = stems(tail);
            for c in &profile.columns {
                if c.name != target && name_match(&words, &c.name) >= 3 && !out.contains(&c.name) {
                    out.push(c.name.clone());
                }
            }
        }
    }
    out
}

/// Defines a task from a goal by rules.
pub fn define_task(goal: &str, profile: &DatasetProfile) -> Result<TaskSpec> {
    let (target, strength) = rules_target(goal, profile).ok_or_else(|| {
        Error::invalid_input("no column can be a target (all are identifiers, text or constants)")
    })?;
    let col = profile
        .column(&target)
        .ok_or_else(|| Error::internal("target vanished"))?;
    let mut task = task_for(col).ok_or_else(|| {
        Error::invalid_input(format!("`{target}` cannot be a target: {}", col.reason))
    })?;
    let mut notes = Vec::new();
    if strength > 0 {
        notes.push(format!("the goal names `{target}`"));
    } else {
        notes.push(format!(
            "the goal names no column; `{target}` is the likely target by its name and position"
        ));
    }
    // A numeric target with few levels may be meant as classes, or the other way round.
    let g = goal.to_ascii_lowercase();
    let wants_classes = [
        "classify", "category", "class ", "which ", "whether", "will ", "who ",
    ]
    .iter()
    .any(|k| g.contains(k));
    let wants_amount = [
        "how much", "how many", "amount", "value of", "price", "estimate",
    ]
    .iter()
    .any(|k| g.contains(k));
    if col.kind == ColumnKind::Integer
        && col.distinct <= 10
        && task == Task::Regression
        && wants_classes
    {
        task = if col.distinct == 2 {
            Task::Binary
        } else {
            Task::Multiclass
        };
        notes.push("the goal asks for classes".into());
    } else if col.kind == ColumnKind::Integer && task == Task::Multiclass && wants_amount {
        task = Task::Regression;
        notes.push("the goal asks for an amount".into());
    }
    let metric = metric_in_goal(goal, task).unwrap_or(task.default_metric());
    let excluded = excluded_in_goal(goal, profile, &target);
    Ok(TaskSpec {
        task,
        target,
        metric,
        excluded,
        time_column: None,
        horizon: None,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_split_words_and_cases() {
        assert_eq!(stems("SalePrice"), vec!["sale", "price"]);
        assert_eq!(stems("who churns?"), vec!["who", "churn"]);
        assert_eq!(stems("Sale_Price"), vec!["sale", "price"]);
        assert_eq!(stems("species"), vec!["specy"]);
        assert_eq!(
            stems("the flower's species"),
            vec!["the", "flower", "s", "specy"]
        );
    }

    #[test]
    fn names_match_goals() {
        let g = stems("predict who churns");
        assert!(name_match(&g, "Churn") >= 3);
        assert_eq!(name_match(&g, "tenure"), 0);
        assert!(name_match(&stems("estimate the sale price of a house"), "Sale_Price") >= 6);
        assert!(name_match(&stems("which species is this flower"), "species") >= 3);
    }
}
