//! Every sentence the web app writes itself (the assistant's answers come from the advisor):
//! warnings about a table, why each model family suits it, what a drift check found, the
//! glossary behind the page's tooltips, and the snippets that call a deployed model.

use std::collections::BTreeMap;

use mlpilot::core::{ColumnKind, DatasetProfile, ModelFamily, Task};
use mlpilot::monitor::MonitorReport;

pub use mlpilot::core::narration::chart_label as short;

fn pct(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "0".into();
    }
    let p = 100.0 * part as f64 / whole as f64;
    if p < 1.0 {
        format!("{p:.1}")
    } else {
        format!("{p:.0}")
    }
}

/// What the score means in everyday words: the assistant's plain reading of it, then — for
/// classes — how often always guessing the commonest class would be right (both numbers are
/// among `summary.json`'s `facts`).
pub fn meaning(run: &mlpilot::core::RunContext) -> Option<String> {
    let plain = mlpilot::llm::offline::plain_meaning(run);
    let total: usize = run.class_counts.iter().map(|c| c.1).sum();
    let guess = run
        .class_counts
        .iter()
        .max_by_key(|c| c.1)
        .filter(|_| total > 0)
        .map(|(label, n)| {
            format!(
                "Always guessing `{label}` would be right {} % of the time.",
                pct(*n, total)
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

/// What to check about a table before trusting a model of it: missing values, repeated rows,
/// columns that carry nothing, and — once a target is known — class imbalance, columns that
/// look like a copy of the target, and labels spelt several ways.
pub fn data_warnings(p: &DatasetProfile) -> Vec<String> {
    let mut out = Vec::new();
    let mut missing: Vec<_> = p.columns.iter().filter(|c| c.missing > 0).collect();
    missing.sort_by_key(|c| std::cmp::Reverse(c.missing));
    for c in missing.iter().take(6) {
        out.push(format!(
            "`{}` is missing in {} of {} rows ({} %); the gaps are filled before training, and \
             the model can tell a filled value from a real one",
            c.name,
            c.missing,
            p.n_rows,
            pct(c.missing, p.n_rows)
        ));
    }
    if missing.len() > 6 {
        out.push(format!(
            "{} more columns have missing values",
            missing.len() - 6
        ));
    }
    if p.duplicate_rows > 0 {
        out.push(format!(
            "{} rows repeat an earlier row exactly ({} %)",
            p.duplicate_rows,
            pct(p.duplicate_rows, p.n_rows)
        ));
    }
    for c in &p.columns {
        match c.kind {
            ColumnKind::Constant => out.push(format!(
                "`{}` holds one value in every row; it cannot help and is left out",
                c.name
            )),
            ColumnKind::Identifier => out.push(format!(
                "`{}` looks like a row identifier ({}); it is left out of the inputs",
                c.name,
                c.reason()
            )),
            _ => {}
        }
    }
    if let Some(t) = &p.target {
        if let (Some(ratio), Some(common), Some(rare)) =
            (t.imbalance_ratio, t.classes.first(), t.classes.last())
            && ratio >= 3.0
        {
            out.push(format!(
                "the classes of `{}` are unbalanced: `{}` has {} rows, `{}` only {} ({:.0} to 1); \
                 accuracy can look good by always guessing `{}`",
                t.name, common.value, common.count, rare.value, rare.count, ratio, common.value
            ));
        }
        for s in &t.leakage_suspects {
            out.push(format!(
                "`{}` may give the answer away ({}); leave it out if it is only known after the \
                 outcome",
                s.feature,
                s.reason()
            ));
        }
        out.extend(t.warning_lines());
    }
    out
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

/// The model families the search may try for `task` (every registered estimator that fits
/// it), each with why it suits this table; strongest on tables first.
pub fn families(p: &DatasetProfile, task: Task) -> Vec<(String, String)> {
    let order = [
        ModelFamily::Boosting,
        ModelFamily::Forest,
        ModelFamily::Linear,
        ModelFamily::NeuralNet,
        ModelFamily::Neighbors,
        ModelFamily::Svm,
        ModelFamily::NaiveBayes,
        ModelFamily::Tree,
    ];
    let present: Vec<ModelFamily> = mlpilot::default_registry()
        .for_task(task)
        .iter()
        .map(|e| e.info().family)
        .collect();
    order
        .iter()
        .filter(|f| present.contains(f))
        .map(|f| (f.as_str().to_string(), family_reason(*f, p)))
        .collect()
}

/// A drift check in sentences: which columns changed and how much, whether the model's own
/// predictions moved, and whether its accuracy decayed.
pub fn monitor_sentences(r: &MonitorReport) -> Vec<String> {
    let mut out = Vec::new();
    let tested: std::collections::BTreeSet<&str> =
        r.columns.iter().map(|c| c.name.as_str()).collect();
    if tested.is_empty() {
        out.push(format!(
            "{} recent rows are too few to compare with the {} the model learnt from: at least \
             {} are needed.",
            r.n_current,
            r.n_reference,
            mlpilot::monitor::MIN_ROWS
        ));
    } else if r.drifted_columns.is_empty() {
        out.push(format!(
            "None of the {} columns checked looks different in the {} recent rows from the {} \
             rows the model learnt from.",
            tested.len(),
            r.n_current,
            r.n_reference
        ));
    } else {
        out.push(format!(
            "{} of the {} columns checked look different in the {} recent rows: {}. A model \
             meets values it saw less of when training, so its answers there are less sure.",
            r.drifted_columns.len(),
            tested.len(),
            r.n_current,
            r.drifted_columns
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(p) = &r.prediction_drift {
        out.push(if p.drift {
            "The model's own predictions have shifted: it now answers differently on the whole \
             than it did on the rows it learnt from."
                .into()
        } else {
            "The model's predictions are spread as they were on the rows it learnt from.".into()
        });
    }
    match &r.performance {
        Some(perf) => out.push(perf.note.clone()),
        None => out.push(
            "The recent rows carry no true outcomes, so accuracy could not be checked; include \
             the target column to check it."
                .into(),
        ),
    }
    for (c, why) in &r.skipped {
        out.push(format!("`{c}` was not checked: {why}."));
    }
    out
}

/// The plain-language meaning of each technical term the page shows (its tooltips).
pub fn glossary() -> BTreeMap<&'static str, &'static str> {
    GLOSSARY.iter().copied().collect()
}

/// The terms of [`glossary`], with their meanings.
const GLOSSARY: &[(&str, &str)] = &[
    (
        "roc_auc",
        "ROC AUC: shown one row of each class, how often the model ranks the right one higher (0.5 is guessing, 1 is perfect).",
    ),
    (
        "accuracy",
        "Accuracy: the share of rows predicted correctly.",
    ),
    (
        "balanced_accuracy",
        "Balanced accuracy: accuracy averaged over the classes, so a rare class counts as much as a common one.",
    ),
    (
        "precision",
        "Precision: of the rows the model flags, the share that are right.",
    ),
    (
        "recall",
        "Recall: of the rows that really are positive, the share the model finds.",
    ),
    (
        "f1",
        "F1: one number balancing precision and recall (1 is perfect).",
    ),
    (
        "f1_macro",
        "F1 macro: F1 averaged over the classes, each counting the same.",
    ),
    (
        "f1_weighted",
        "F1 weighted: F1 averaged over the classes, weighted by their size.",
    ),
    (
        "log_loss",
        "Log loss: how far the predicted probabilities are from what happened (lower is better).",
    ),
    (
        "r2",
        "R²: the share of the variation in the target the model explains (1 is perfect, 0 is no better than the average).",
    ),
    (
        "rmse",
        "RMSE: the typical size of an error, in the target's own units (lower is better).",
    ),
    (
        "mae",
        "MAE: the average size of an error, in the target's own units (lower is better).",
    ),
    ("mse", "MSE: the average squared error (lower is better)."),
    (
        "mape",
        "MAPE: the average error as a share of the true value.",
    ),
    (
        "smape",
        "sMAPE: the average error as a share of the true and predicted values.",
    ),
    (
        "binary",
        "Binary: predicting one of two outcomes (yes or no).",
    ),
    (
        "multiclass",
        "Multiclass: predicting one of several labels.",
    ),
    ("regression", "Regression: predicting a number."),
    (
        "validation",
        "Validation: scoring the model on rows it did not learn from, so the score says how it will do on new rows.",
    ),
    (
        "cv",
        "Cross-validation: the rows are split in parts; each part is predicted by a model trained on the others.",
    ),
    (
        "baseline",
        "Baseline: the score of always giving the same answer; a model must beat it.",
    ),
    (
        "ensemble",
        "Ensemble: several models whose predictions are averaged.",
    ),
    (
        "trial",
        "Trial: one model with one set of settings, trained and scored.",
    ),
    (
        "importance",
        "Importance: how much worse the model gets when a column's values are shuffled.",
    ),
    (
        "partial_dependence",
        "Partial dependence: how the prediction changes, on average, as one column's value changes.",
    ),
    (
        "contribution",
        "Contribution: how much one column pushed this prediction up or down from the average prediction (Shapley values).",
    ),
    (
        "drift",
        "Drift: recent rows look different from the rows the model learnt from.",
    ),
    (
        "psi",
        "PSI (population stability index): how much a column's distribution moved; above 0.2 is a real change.",
    ),
    (
        "ks",
        "KS test: whether two samples of numbers come from the same distribution (a small p-value says they do not).",
    ),
    (
        "chi2",
        "χ² test: whether two samples of labels have the same mix (a small p-value says they do not).",
    ),
    (
        "threshold",
        "Decision threshold: the probability above which a row is called positive.",
    ),
    (
        "noise",
        "Noise: how much the score moves by chance between two runs on the same rows; a change is kept only when it beats it.",
    ),
    (
        "one_hot",
        "One-hot: one column per label, 1 where the row has it.",
    ),
    (
        "impute",
        "Impute: fill a missing value (with the median or the commonest value).",
    ),
    (
        "standardize",
        "Standardise: shift and scale a column so it has mean 0 and spread 1.",
    ),
    ("tfidf", "TF-IDF: words counted, rare words weighted up."),
    (
        "log1p",
        "log(1 + x): squeezes a long tail of large values so they do not dominate.",
    ),
    (
        "ordinal",
        "Ordinal codes: each label gets a number, which trees can split on.",
    ),
    (
        "skew",
        "Skew: how lopsided a column's values are (a long tail on one side).",
    ),
    (
        "drop",
        "Left out: the column does not go into the model, for the reason given.",
    ),
    (
        "kind_integer",
        "Whole numbers with many different values (counts, ages, amounts).",
    ),
    (
        "kind_float",
        "Numbers with decimals (measurements, prices).",
    ),
    ("kind_boolean", "Two values only (yes/no, true/false, 0/1)."),
    (
        "kind_categorical",
        "A small set of labels (a class, a colour, a country).",
    ),
    ("kind_text", "Free text; its words are counted."),
    (
        "kind_datetime",
        "Dates or times; the year, month, weekday… are used.",
    ),
    (
        "kind_identifier",
        "A name or number that is different in every row; it says nothing about the outcome, so it is left out.",
    ),
    (
        "kind_constant",
        "The same value in every row; it cannot help, so it is left out.",
    ),
];

/// A value of the example row as JSON: numbers as numbers, the rest as text.
fn json_value(kind: ColumnKind, col: &mlpilot::core::Column, row: usize) -> serde_json::Value {
    match kind {
        ColumnKind::Integer | ColumnKind::Float => col
            .f64_at(row)
            .filter(|v| v.is_finite())
            .map_or(serde_json::Value::Null, |v| serde_json::json!(v)),
        _ => col
            .str_at(row)
            .map_or(serde_json::Value::Null, serde_json::Value::String),
    }
}

/// Copy-paste snippets calling `POST {url}/v1/predict` with one example row (the first stored
/// training row, target left out): `curl`, Python `requests` and Rust `reqwest`.
pub fn snippets(url: &str, artifact: &mlpilot::Artifact, token: bool) -> BTreeMap<String, String> {
    let body = &artifact.body;
    let mut row = serde_json::Map::new();
    for c in &body.schema.columns {
        if c.name == body.target {
            continue;
        }
        if let Some(col) = body.reference.column(&c.name) {
            row.insert(c.name.clone(), json_value(c.kind, col, 0));
        }
    }
    let payload = serde_json::json!({ "rows": [row] });
    let compact = payload.to_string();
    let pretty = serde_json::to_string_pretty(&payload).unwrap_or_else(|_| compact.clone());
    let auth_curl = if token {
        " -H \"Authorization: Bearer $MLPILOT_TOKEN\""
    } else {
        ""
    };
    let auth_py = if token {
        ", headers={\"Authorization\": \"Bearer \" + os.environ[\"MLPILOT_TOKEN\"]}"
    } else {
        ""
    };
    let py_import = if token { "import os\n" } else { "" };
    let auth_rs = if token {
        "\n        .bearer_auth(std::env::var(\"MLPILOT_TOKEN\")?)"
    } else {
        ""
    };
    let sq = compact.replace('\'', "'\\''");
    BTreeMap::from([
        (
            "curl".to_string(),
            format!(
                "curl -s{auth_curl} -H 'content-type: application/json' \\\n  -d '{sq}' \\\n  {url}/v1/predict"
            ),
        ),
        (
            "python".to_string(),
            format!(
                "{py_import}import requests\n\nrows = {pretty}[\"rows\"]\nr = requests.post(\"{url}/v1/predict\", json={{\"rows\": rows}}{auth_py})\nprint(r.json()[\"predictions\"])\n",
                pretty = pretty
                    .replace("null", "None")
                    .replace("true", "True")
                    .replace("false", "False")
            ),
        ),
        (
            "rust".to_string(),
            format!(
                "// Cargo.toml: reqwest = {{ version = \"0.12\", features = [\"blocking\", \"json\"] }}, serde_json = \"1\"\nfn main() -> Result<(), Box<dyn std::error::Error>> {{\n    let body: serde_json::Value = serde_json::from_str(r#\"{compact}\"#)?;\n    let reply: serde_json::Value = reqwest::blocking::Client::new()\n        .post(\"{url}/v1/predict\"){auth_rs}\n        .json(&body)\n        .send()?\n        .error_for_status()?\n        .json()?;\n    println!(\"{{}}\", reply[\"predictions\"]);\n    Ok(())\n}}\n"
            ),
        ),
    ])
}

/// The command that trains this model again from the uploaded file: the same seed and the
/// same number of trials give the same models (the budget only caps the time); changes the
/// conversation made that a command line cannot say are named (they are in `session.json`'s
/// `config`, which `mlpilot retrain` uses).
pub fn reproduce(
    file: &str,
    config: &mlpilot::RunConfig,
    trials: usize,
    threshold: Option<f64>,
    advisor: &str,
) -> String {
    let mut cmd = format!("mlpilot run {}", shell_quote(file));
    if let Some(t) = &config.target {
        cmd.push_str(&format!(" --target {}", shell_quote(t)));
    }
    if let Some(t) = config.task {
        cmd.push_str(&format!(" --task {t}"));
    }
    if let Some(m) = config.metric {
        cmd.push_str(&format!(" --metric {}", m.as_str()));
    }
    cmd.push_str(&format!(" --max-trials {trials}"));
    if let Some(b) = config.time_budget_secs {
        cmd.push_str(&format!(" --time-budget {}", short(b.max(1.0) * 2.0)));
    }
    cmd.push_str(&format!(" --seed {}", config.seed));
    if !config.exclude.is_empty() {
        cmd.push_str(&format!(
            " --exclude {}",
            shell_quote(&config.exclude.join(","))
        ));
    }
    if let Some(e) = &config.estimators {
        cmd.push_str(&format!(" --backends {}", shell_quote(&e.join(","))));
    }
    if !config.ensemble {
        cmd.push_str(" --no-ensemble");
    }
    if advisor != "offline" {
        cmd.push_str(" --llm ");
        cmd.push_str(&shell_quote(advisor.trim_start_matches("llm:")));
    }
    let mut extra = Vec::new();
    if config.rebalance {
        extra.push("classes rebalanced".to_string());
    }
    if !config.derived.is_empty() {
        extra.push(format!("{} derived column(s)", config.derived.len()));
    }
    if let Some(t) = threshold {
        extra.push(format!("decision threshold {t}"));
    }
    if !extra.is_empty() {
        cmd.push_str(&format!(
            "\n# plus the conversation's changes ({}): they are in session.json's \"config\"; \
             `mlpilot retrain model.mlpilot DATA` trains with all of them",
            extra.join(", ")
        ));
    }
    cmd
}

/// The model in words: its family, or for an ensemble how many models of which families
/// ("an average of 7 models: 6 gradient boosting, 1 nearest neighbours").
pub fn model_in_words(p: &mlpilot::search::Predictor) -> String {
    let registry = mlpilot::default_registry();
    let family = |id: &str| {
        registry
            .get(id)
            .map_or_else(|_| id.to_string(), |e| e.info().family.as_str().to_string())
    };
    let mut counts: Vec<(String, usize)> = Vec::new();
    for m in &p.members {
        let f = family(&m.estimator);
        match counts.iter_mut().find(|(name, _)| *name == f) {
            Some((_, n)) => *n += 1,
            None => counts.push((f, 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    match (p.members.len(), counts.as_slice()) {
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

/// Whether a message asks what the assistant can do.
pub fn is_help(text: &str) -> bool {
    let t = text.trim().trim_end_matches(['?', '!', '.']).to_lowercase();
    matches!(
        t.as_str(),
        "help"
            | ""
            | "what can you do"
            | "what can i ask"
            | "what can i say"
            | "commands"
            | "what can i do"
    ) || t.starts_with("help ")
}

/// The answer to "help": the questions it answers and the changes it makes.
pub fn help() -> String {
    format!(
        "Ask me why the model is not better, what matters most, or what the model would \
         predict if a value were different (\"what if age were 80\": I change it in the \
         first complete row). {} Each change trains the model again with the same seed on the \
         same rows, and is kept only when the score improves by more than chance would.",
        mlpilot::llm::requests::CAN_DO
    )
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | ',' | ':' | '@')
        })
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_keep_three_significant_digits() {
        assert_eq!(short(0.123456), "0.123");
        assert_eq!(short(12.0), "12");
        assert_eq!(short(1234.6), "1235");
        assert_eq!(short(-2.5), "-2.5");
    }

    #[test]
    fn shell_quoting_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("titanic.csv"), "titanic.csv");
        assert_eq!(shell_quote("it's here"), "'it'\\''s here'");
    }
}
