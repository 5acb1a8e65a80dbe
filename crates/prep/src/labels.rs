//! The target column: class labels ↔ indices, or numeric values.

use mlpilot_core::facts::NotNumbers;
use mlpilot_core::frame::{
    NUMBER_SHARE, is_missing_word, is_placeholder, missing_word_count, parse_number, stray_words,
};
use mlpilot_core::{Column, Error, Result, Task};
use serde::{Deserialize, Serialize};

use crate::read::read_labels;

const TRUE_WORDS: [&str; 8] = ["true", "yes", "y", "t", "1", "on", "1.0", "positive"];

/// How target values map to what models predict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetEncoding {
    /// Class labels; index `i` is `classes[i]`. For two classes, index 1 is the positive one.
    Classes {
        /// The labels.
        classes: Vec<String>,
    },
    /// Real values.
    Values,
}

/// The encoded target of a table: one value per row that has a target.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedTarget {
    /// Class indices or values, for the rows in `rows`.
    pub y: Vec<f64>,
    /// Rows with a (known) target, in order.
    pub rows: Vec<usize>,
    /// Rows left out because their target is missing (stray words included).
    pub n_missing: usize,
    /// Stray words in a target of numbers (`n/a`, `?`): read as missing, their rows left out
    /// and counted in `n_missing`.
    pub not_numbers: Option<NotNumbers>,
    /// Marks for no value (`?`, `n/a`, `-`: [`is_placeholder`]) in a target of labels that
    /// training did not have as a class: read as missing, their rows left out and counted in
    /// `n_missing`.
    pub no_label: Option<NotNumbers>,
}

impl TargetEncoding {
    /// Learns the encoding from the training target column.
    ///
    /// Classes are sorted; with two classes, a true-like label (`yes`, `true`, `1`, …) is the
    /// positive class (index 1), otherwise the second in sorted order. In a text column of
    /// numbers, stray words (`n/a`, `?`: see [`stray_words`]) are missing values, not classes.
    /// Fails when a
    /// classification target has fewer than two classes, or a regression target is not numeric
    /// or is constant.
    ///
    /// # Errors
    /// An invalid-input error naming the column when a classification target has fewer than two
    /// classes, or a regression target has no numeric values, is mostly not numbers, or is
    /// constant.
    pub fn fit(col: &Column, task: Task) -> Result<TargetEncoding> {
        let name = col.name();
        if task.is_classification() {
            let (dict, codes) = read_labels(col);
            let mut used = vec![false; dict.len()];
            for &c in &codes {
                if let Some(u) = used.get_mut(c as usize) {
                    *u = true;
                }
            }
            let mut classes: Vec<String> = dict
                .into_iter()
                .zip(used)
                .filter(|(_, u)| *u)
                .map(|(d, _)| d)
                .collect();
            if stray_words(col).is_some() {
                classes.retain(|c| parse_number(c).is_some());
            }
            classes.sort();
            if classes.len() < 2 {
                return Err(Error::invalid_input(format!(
                    "target `{name}` has {} class{} ({}); a classifier needs at least two",
                    classes.len(),
                    if classes.len() == 1 { "" } else { "es" },
                    classes
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .with_context("column", name));
            }
            let true_like =
                |c: &String| TRUE_WORDS.contains(&c.trim().to_ascii_lowercase().as_str());
            if classes.len() == 2 && classes.first().is_some_and(true_like) {
                classes.swap(0, 1);
            }
            Ok(TargetEncoding::Classes { classes })
        } else {
            let values = col.to_f64();
            let present: Vec<f64> = values
                .iter()
                .flatten()
                .copied()
                .filter(|v| v.is_finite())
                .collect();
            if present.is_empty() {
                return Err(Error::invalid_input(format!(
                    "target `{name}` has no numeric values to predict"
                ))
                .with_context("column", name));
            }
            // Words for "no value" (`?`, `n/a`) are missing targets, not evidence of labels.
            let bad = (col.len() - col.null_count() - present.len())
                .saturating_sub(missing_word_count(col));
            if bad * 2 > present.len() {
                return Err(Error::invalid_input(format!(
                    "target `{name}` is mostly not numbers; for classes, use a classification task"
                ))
                .with_context("column", name));
            }
            let first = present.first().copied().unwrap_or(0.0);
            if present.iter().all(|v| *v == first) {
                return Err(Error::invalid_input(format!(
                    "target `{name}` is constant ({first}); there is nothing to predict"
                ))
                .with_context("column", name));
            }
            Ok(TargetEncoding::Values)
        }
    }

    /// The number of classes (0 for values).
    pub fn n_classes(&self) -> usize {
        match self {
            TargetEncoding::Classes { classes } => classes.len(),
            TargetEncoding::Values => 0,
        }
    }

    /// The label of class `i`.
    pub fn label(&self, i: usize) -> Option<&str> {
        match self {
            TargetEncoding::Classes { classes } => classes.get(i).map(String::as_str),
            TargetEncoding::Values => None,
        }
    }

    /// The index of the class a label names, as [`TargetEncoding::encode`] reads it: the class
    /// spelled the same, else the one class written the same way in another spelling (`true`
    /// for `True`, `1.0` for `1`). `None` for values, or a label that names no class.
    pub fn class_index(&self, label: &str) -> Option<usize> {
        class_of(self.classes(), label)
    }

    /// The class labels (empty for values).
    pub fn classes(&self) -> &[String] {
        match self {
            TargetEncoding::Classes { classes } => classes,
            TargetEncoding::Values => &[],
        }
    }

    /// Encodes a target column; rows with a missing target are left out. In a target of
    /// numbers (a regression target, or classes that are all numbers) words for "no value"
    /// (`n/a`, `?` …) and a few other values that are not numbers (at most 5 % of the present
    /// ones that are not words for "no value", as [`stray_words`] decides, or fewer than five)
    /// are stray words: they are read as missing and reported in
    /// [`EncodedTarget::not_numbers`].
    ///
    /// # Errors
    /// An invalid-input error naming the row, column and value when a label is not one of the
    /// training classes, or when five or more, and more than 5 %, of a target of numbers'
    /// present values that are not words for "no value" are not numbers (naming the first).
    pub fn encode(&self, col: &Column) -> Result<EncodedTarget> {
        let name = col.name();
        let mut y = Vec::with_capacity(col.len());
        let mut rows = Vec::with_capacity(col.len());
        let mut n_missing = 0;
        let mut stray = NotNumbers::default();
        let mut no_label = NotNumbers::default();
        // Words that are not words for "no value": only a few of these are stray words.
        let mut other_words = 0usize;
        let mut first_other: Option<(usize, String)> = None;
        let mut stray_word = |row: usize, word: &str| {
            stray.add(word, 1);
            if !is_missing_word(word) {
                other_words += 1;
                first_other.get_or_insert_with(|| (row, word.to_string()));
            }
        };
        match self {
            TargetEncoding::Classes { classes } => {
                let numbers = classes.iter().all(|c| parse_number(c).is_some());
                let (dict, codes) = read_labels(col);
                let map: Vec<Option<usize>> = dict.iter().map(|d| class_of(classes, d)).collect();
                for (i, &c) in codes.iter().enumerate() {
                    match map.get(c as usize) {
                        None => n_missing += 1,
                        Some(Some(k)) => {
                            y.push(*k as f64);
                            rows.push(i);
                        }
                        Some(None) => {
                            let label = dict.get(c as usize).cloned().unwrap_or_default();
                            if numbers && parse_number(&label).is_none() {
                                stray_word(i, &label);
                                n_missing += 1;
                                continue;
                            }
                            if !numbers && is_placeholder(&label) {
                                no_label.add(&label, 1);
                                n_missing += 1;
                                continue;
                            }
                            return Err(self.unreadable(i, name, &label));
                        }
                    }
                }
            }
            TargetEncoding::Values => {
                for i in 0..col.len() {
                    if col.is_null(i) {
                        n_missing += 1;
                        continue;
                    }
                    match col.f64_at(i).filter(|v| v.is_finite()) {
                        Some(v) => {
                            y.push(v);
                            rows.push(i);
                        }
                        None => {
                            let v = col.str_at(i).unwrap_or_default();
                            if parse_number(&v).is_none() {
                                stray_word(i, &v);
                            }
                            n_missing += 1;
                        }
                    }
                }
            }
        }
        // Words for "no value" among numbers are missing values, and a few other words (at
        // most 5 % of the present values that are not words for "no value", or fewer than five
        // in a small batch); more other words are values the model cannot score, named as
        // before.
        if let Some((row, word)) = first_other
            && other_words >= 5
            && (y.len() as f64) < NUMBER_SHARE * (y.len() + other_words) as f64
        {
            return Err(self.unreadable(row, name, &word));
        }
        Ok(EncodedTarget {
            y,
            rows,
            n_missing,
            not_numbers: (stray.count > 0).then_some(stray),
            no_label: (no_label.count > 0).then_some(no_label),
        })
    }
}

impl TargetEncoding {
    /// The error for a target value the encoding cannot read, naming the row, column and value.
    fn unreadable(&self, row: usize, name: &str, value: &str) -> Error {
        let what = match self {
            TargetEncoding::Classes { classes } => {
                format!(
                    "is not one of the training classes ({})",
                    classes.join(", ")
                )
            }
            TargetEncoding::Values => "is not a number".to_string(),
        };
        Error::invalid_input(format!("row {row}: target `{name}` = `{value}` {what}"))
            .with_context("row", row)
            .with_context("column", name)
            .with_context("value", value)
    }
}

/// Merges labels that differ only in case or spaces (`Yes`, `yes`, `YES ` → `Yes`) into their
/// most frequent spelling. Returns the new column and one line per merge ("`yes` (48), `YES`
/// (50) → `Yes`"), or `None` when no labels differ that way.
pub fn merge_label_spellings(col: &Column) -> Option<(Column, Vec<String>)> {
    use mlpilot_core::profile::{ValueCount, label_key, label_spelling_groups};
    let (dict, codes) = read_labels(col);
    let mut counts = vec![0usize; dict.len()];
    for &c in &codes {
        if let Some(n) = counts.get_mut(c as usize) {
            *n += 1;
        }
    }
    let classes: Vec<ValueCount> = dict
        .iter()
        .zip(&counts)
        .filter(|(_, n)| **n > 0)
        .map(|(d, n)| ValueCount {
            value: d.clone(),
            count: *n,
        })
        .collect();
    let groups = label_spelling_groups(&classes);
    if groups.is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    let mut canonical: std::collections::HashMap<String, String> = Default::default();
    for g in &groups {
        let Some(first) = g.first() else { continue };
        canonical.insert(label_key(&first.value), first.value.clone());
        lines.push(format!(
            "{} → `{}`",
            g.iter()
                .map(|c| format!("`{}` ({})", c.value, c.count))
                .collect::<Vec<_>>()
                .join(", "),
            first.value
        ));
    }
    let values: Vec<Option<String>> = codes
        .iter()
        .map(|&c| {
            let d = dict.get(c as usize)?;
            Some(
                canonical
                    .get(&label_key(d))
                    .cloned()
                    .unwrap_or_else(|| d.clone()),
            )
        })
        .collect();
    Some((
        Column::new(col.name(), mlpilot_core::ColumnData::Str(values.into())),
        lines,
    ))
}

/// The class a label names: the class spelled the same, else the one class written the same
/// way in another spelling (`true` for `True`, `1` or `1.0` for `01`), as readers that type
/// the column (JSON, a typed CSV column) write it.
fn class_of(classes: &[String], label: &str) -> Option<usize> {
    if let Some(i) = classes.iter().position(|c| c == label) {
        return Some(i);
    }
    let key = label_key(label);
    let mut same = classes
        .iter()
        .enumerate()
        .filter(|(_, c)| label_key(c) == key);
    match (same.next(), same.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

fn label_key(label: &str) -> String {
    match parse_number(label) {
        Some(x) => format!("{x}"),
        None => mlpilot_core::profile::label_key(label),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_sorted_with_true_like_positive() {
        let col = Column::from_strs("y", ["yes", "no", "yes"]);
        let e = TargetEncoding::fit(&col, Task::Binary).unwrap();
        assert_eq!(e.classes(), ["no", "yes"]);
        let col = Column::from_strs("y", ["died", "survived"]);
        assert_eq!(
            TargetEncoding::fit(&col, Task::Binary).unwrap().classes(),
            ["died", "survived"]
        );
        let col = Column::from_strs("y", ["true", "false"]);
        assert_eq!(
            TargetEncoding::fit(&col, Task::Binary).unwrap().classes(),
            ["false", "true"]
        );
        let enc = e
            .encode(&Column::new(
                "y",
                mlpilot_core::ColumnData::Str(
                    [Some("no"), None, Some("yes")].into_iter().collect(),
                ),
            ))
            .unwrap();
        assert_eq!(enc.y, vec![0.0, 1.0]);
        assert_eq!(enc.rows, vec![0, 2]);
        let err = e.encode(&Column::from_strs("y", ["maybe"])).unwrap_err();
        assert!(err.to_string().contains("`maybe`"), "{err}");
    }

    #[test]
    fn labels_keep_their_spelling_and_match_typed_readers() {
        let col = Column::from_strs("y", ["True", "False", "True"]);
        let e = TargetEncoding::fit(&col, Task::Binary).unwrap();
        assert_eq!(e.classes(), ["False", "True"]);
        // A JSON body or a typed column writes `true`; it is the class `True`.
        let typed = Column::new(
            "y",
            mlpilot_core::ColumnData::Bool(vec![Some(true), Some(false)]),
        );
        assert_eq!(e.encode(&typed).unwrap().y, vec![1.0, 0.0]);
        let codes = Column::from_strs("y", ["01", "02", "10"]);
        let e = TargetEncoding::fit(&codes, Task::Multiclass).unwrap();
        assert_eq!(e.classes(), ["01", "02", "10"]);
        let ints = Column::new(
            "y",
            mlpilot_core::ColumnData::Int(vec![Some(2), Some(10), Some(1)]),
        );
        assert_eq!(e.encode(&ints).unwrap().y, vec![1.0, 2.0, 0.0]);
        // Two classes that read the same are never guessed between.
        let e = TargetEncoding::fit(&Column::from_strs("y", ["1", "01", "2"]), Task::Multiclass)
            .unwrap();
        assert!(e.encode(&Column::from_strs("y", ["1.0"])).is_err());
    }

    #[test]
    fn spellings_merge_into_the_most_frequent() {
        let col = Column::new(
            "y",
            mlpilot_core::ColumnData::Str(
                [
                    Some("Yes"),
                    Some("yes"),
                    Some("Yes"),
                    Some(" YES"),
                    None,
                    Some("no "),
                    Some("No"),
                    Some("No"),
                    Some("maybe"),
                ]
                .into_iter()
                .collect(),
            ),
        );
        let (merged, lines) = merge_label_spellings(&col).unwrap();
        let got: Vec<Option<String>> = (0..merged.len()).map(|i| merged.str_at(i)).collect();
        let want = ["Yes", "Yes", "Yes", "Yes", "", "No", "No", "No", "maybe"];
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.as_deref().unwrap_or(""), w);
        }
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("`Yes` (2)"), "{lines:?}");
        assert!(lines[1].ends_with("→ `No`"), "{lines:?}");
        assert!(merge_label_spellings(&Column::from_strs("y", ["a", "b"])).is_none());
    }

    #[test]
    fn bad_targets_are_refused() {
        let one = Column::from_strs("y", ["a", "a"]);
        assert!(
            TargetEncoding::fit(&one, Task::Binary)
                .unwrap_err()
                .to_string()
                .contains("1 class")
        );
        let constant = Column::from_f64("y", [2.0, 2.0, 2.0]);
        assert!(
            TargetEncoding::fit(&constant, Task::Regression)
                .unwrap_err()
                .to_string()
                .contains("constant")
        );
        let words = Column::from_strs("y", ["a", "b", "c"]);
        assert!(TargetEncoding::fit(&words, Task::Regression).is_err());
    }

    /// Rows of a 0/1 target (or a regression target) with `word` every tenth row.
    fn with_word(word: &str, regression: bool) -> Column {
        let values: Vec<String> = (0..60)
            .map(|i| match (i % 30 == 7, regression) {
                (true, _) => word.to_string(),
                (false, false) => (i % 2).to_string(),
                (false, true) => format!("{}.5", i % 11),
            })
            .collect();
        Column::from_strs("y", values)
    }

    #[test]
    fn stray_words_in_a_target_of_numbers_are_missing_not_classes() {
        for word in ["n/a", "?", "-", "none", "missing"] {
            let col = with_word(word, false);
            let e = TargetEncoding::fit(&col, Task::Binary).unwrap();
            assert_eq!(e.classes(), ["0", "1"], "`{word}`");
            let enc = e.encode(&col).unwrap();
            assert_eq!((enc.rows.len(), enc.n_missing), (58, 2), "`{word}`");
            assert!(!enc.rows.contains(&7) && !enc.rows.contains(&37));
            let stray = enc.not_numbers.unwrap();
            assert_eq!((stray.count, stray.examples), (2, vec![word.to_string()]));
            // Other rows' words, as in new data to score: missing too, not an unknown class.
            let other = e.encode(&with_word("unknown", false)).unwrap();
            assert_eq!(other.n_missing, 2);
            // Regression: the same.
            let col = with_word(word, true);
            let e = TargetEncoding::fit(&col, Task::Regression).unwrap();
            let enc = e.encode(&col).unwrap();
            assert_eq!((enc.y.len(), enc.n_missing), (58, 2), "`{word}`");
            assert_eq!(enc.not_numbers.map(|n| n.count), Some(2));
        }
        // Mostly words where the model knows numbers: named, not read as missing.
        for regression in [false, true] {
            let e = TargetEncoding::fit(
                &with_word("n/a", regression),
                if regression {
                    Task::Regression
                } else {
                    Task::Binary
                },
            )
            .unwrap();
            let words = ["1", "yes", "no", "yes", "no", "maybe", "0"];
            let err = e
                .encode(&Column::from_strs("y", words))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("row 1: target `y` = `yes` is not"), "{err}");
            // A small batch with a word or two: those rows are left out, not refused.
            let small = e
                .encode(&Column::from_strs("y", ["1", "n/a", "0", "?"]))
                .unwrap();
            assert_eq!((small.rows, small.n_missing), (vec![0, 2], 2));
        }
        // Words for "no value" in any number: a 0/1 target a third `?` is binary with a third
        // left out, and new data half `n/a` is scored on the other half, not refused.
        let third: Vec<&str> = (0..90).map(|i| ["0", "1", "?"][i % 3]).collect();
        let col = Column::from_strs("y", third);
        let e = TargetEncoding::fit(&col, Task::Binary).unwrap();
        assert_eq!(e.classes(), ["0", "1"]);
        let enc = e.encode(&col).unwrap();
        assert_eq!((enc.rows.len(), enc.n_missing), (60, 30));
        // A regression target 40 % `?`: fitted on the numbers, not refused as labels.
        let values: Vec<String> = (0..100)
            .map(|i| {
                if i % 5 < 2 {
                    "?".into()
                } else {
                    format!("{}.5", i % 7)
                }
            })
            .collect();
        let reg = Column::from_strs("y", values);
        let fitted = TargetEncoding::fit(&reg, Task::Regression).unwrap();
        assert_eq!(fitted.encode(&reg).unwrap().rows.len(), 60);
        let half: Vec<&str> = (0..20)
            .map(|i| if i % 2 == 0 { "n/a" } else { "1" })
            .collect();
        let enc = e.encode(&Column::from_strs("y", half)).unwrap();
        assert_eq!(
            (enc.rows.len(), enc.not_numbers.map(|n| n.count)),
            (10, Some(10))
        );
        // A number the model never saw is still an unknown class, and words in a target of
        // words are classes, named when unseen.
        let e = TargetEncoding::fit(&with_word("n/a", false), Task::Binary).unwrap();
        let err = e.encode(&Column::from_strs("y", ["0", "2"])).unwrap_err();
        assert!(err.to_string().contains("`2` is not one of"), "{err}");
        let words = Column::from_strs("y", ["yes", "no", "yes", "?"]);
        let e = TargetEncoding::fit(&words, Task::Multiclass).unwrap();
        assert_eq!(e.classes(), ["?", "no", "yes"]);
        let enc = e.encode(&Column::from_strs("y", ["?", "no"])).unwrap();
        assert_eq!(
            (enc.rows, enc.no_label),
            (vec![0, 1], None),
            "`?` is a class here"
        );
        // In a target of labels, a mark for no value that training did not have as a class
        // (`n/a`, `?`, `-`) is a missing target, not an unknown class; a word that could be a
        // class (`unknown`, `maybe`) is still named.
        let labels = Column::from_strs("y", ["survived", "died", "survived", "died"]);
        let e = TargetEncoding::fit(&labels, Task::Binary).unwrap();
        let enc = e
            .encode(&Column::from_strs(
                "y",
                ["died", "n/a", "survived", "?", "-"],
            ))
            .unwrap();
        assert_eq!((enc.rows, enc.n_missing), (vec![0, 2], 3));
        let no_label = enc.no_label.unwrap();
        assert_eq!(
            (no_label.count, no_label.examples),
            (3, vec!["n/a".to_string(), "?".into(), "-".into()])
        );
        for word in ["unknown", "maybe"] {
            let err = e.encode(&Column::from_strs("y", [word])).unwrap_err();
            assert!(err.to_string().contains("is not one of"), "{err}");
        }
    }
}
