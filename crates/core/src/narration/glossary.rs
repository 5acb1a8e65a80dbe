//! The plain-language meaning of each technical term people meet: the web app's tooltips.

use std::collections::BTreeMap;

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
