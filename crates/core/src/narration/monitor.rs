//! What a monitoring check found, in sentences: the web app's summary, the reasons a column was
//! not tested, the accuracy note and the alerts' messages.

use crate::facts::{ColumnDrift, MIN_LABELLED, MIN_ROWS, MonitorReport, NotTested, Performance};

use super::{join_and, score};

/// Why a column was not tested ("fewer than 30 numbers").
pub fn not_tested(why: NotTested) -> String {
    match why {
        NotTested::Absent => "not in the current data".into(),
        NotTested::FewNumbers => format!("fewer than {MIN_ROWS} numbers"),
        NotTested::OnlyMissingShare => format!(
            "fewer than {MIN_ROWS} numbers, so only its share of missing values was compared"
        ),
        NotTested::FewValues => format!("fewer than {MIN_ROWS} values"),
        NotTested::Kind(kind) => format!("{} columns are not tested for drift", kind.as_str()),
    }
}

/// The accuracy check in one line ("ROC AUC on 120 labelled rows: 0.8123 against 0.8563 at
/// validation"), or why there was none.
pub fn performance_note(p: &Performance) -> String {
    match p.current_score {
        None => format!(
            "{} labelled rows; at least {MIN_LABELLED} are needed to judge accuracy",
            p.n_labelled
        ),
        Some(s) => format!(
            "{} on {} labelled rows: {} against {} at validation{}",
            p.metric.display_name(),
            p.n_labelled,
            score(p.metric, s),
            score(p.metric, p.validation_score),
            if p.decayed {
                " — the model has decayed"
            } else {
                ""
            }
        ),
    }
}

/// An alert's message for a drifted column, with the tests that found it ("column 'age'
/// drifted (psi 0.412, ks 0.301)").
pub fn drift_alert(column: &str, tests: &[&ColumnDrift]) -> String {
    let tests: Vec<String> = tests
        .iter()
        .map(|c| match c.test.as_str() {
            "missing" => format!("missing values +{:.0} points", 100.0 * c.statistic),
            _ => format!("{} {:.3}", c.test, c.statistic),
        })
        .collect();
    format!("column '{column}' drifted ({})", tests.join(", "))
}

/// An alert's message for drifted predictions.
pub fn prediction_drift_alert() -> String {
    "the distribution of predictions drifted".into()
}

/// A drift check in sentences: which columns changed and how much, whether the model's own
/// predictions moved, whether its accuracy decayed, and what was not checked.
pub fn drift_check(r: &MonitorReport) -> Vec<String> {
    let mut out = Vec::new();
    let tested: std::collections::BTreeSet<&str> =
        r.columns.iter().map(|c| c.name.as_str()).collect();
    if tested.is_empty() {
        out.push(format!(
            "{} recent rows are too few to compare with the {} the model learnt from: at least \
             {MIN_ROWS} are needed.",
            r.n_current, r.n_reference
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
        let named: Vec<String> = r.drifted_columns.iter().map(|c| format!("`{c}`")).collect();
        out.push(format!(
            "{} of the {} columns checked look different in the {} recent rows: {}. A model \
             meets values it saw less of when training, so its answers there are less sure.",
            r.drifted_columns.len(),
            tested.len(),
            r.n_current,
            join_and(&named)
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
    out.push(r.performance.as_ref().map_or_else(
        || {
            "The recent rows carry no true outcomes, so accuracy could not be checked; include \
             the target column to check it."
                .into()
        },
        // The stored note: what the check added to it (stray words in the target) included.
        |perf| format!("{}.", perf.note),
    ));
    for (c, why) in &r.skipped {
        out.push(format!("`{c}` was not checked: {why}."));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Metric;
    use crate::facts::PredictionDrift;

    fn drift(name: &str, test: &str, statistic: f64, drift: bool) -> ColumnDrift {
        ColumnDrift {
            name: name.into(),
            test: test.into(),
            statistic,
            p_value: None,
            threshold: 0.2,
            drift,
        }
    }

    fn report() -> MonitorReport {
        MonitorReport {
            drift: true,
            n_reference: 500,
            n_current: 120,
            columns: vec![
                drift("age", "psi", 0.41, true),
                drift("age", "ks", 0.3, true),
                drift("fare", "psi", 0.01, false),
                drift("sex", "psi", 0.5, true),
            ],
            drifted_columns: vec!["age".into(), "sex".into()],
            skipped: vec![(
                "name".into(),
                not_tested(NotTested::Kind(crate::ColumnKind::Text)),
            )],
            prediction_drift: Some(PredictionDrift {
                tests: vec![],
                drift: false,
                reference_summary: vec![],
                current_summary: vec![],
            }),
            performance: Some(Performance {
                metric: Metric::RocAuc,
                validation_score: 0.85634,
                current_score: Some(0.7),
                n_labelled: 120,
                tolerance: 0.05,
                decayed: true,
                note: String::new(),
            }),
        }
    }

    #[test]
    fn a_check_reads_as_sentences() {
        let mut r = report();
        if let Some(p) = r.performance.as_mut() {
            p.note = performance_note(p);
        }
        assert_eq!(
            drift_check(&r),
            vec![
                "2 of the 3 columns checked look different in the 120 recent rows: `age` and \
                 `sex`. A model meets values it saw less of when training, so its answers there \
                 are less sure.",
                "The model's predictions are spread as they were on the rows it learnt from.",
                "ROC AUC on 120 labelled rows: 0.7000 against 0.8563 at validation — the model \
                 has decayed.",
                "`name` was not checked: text columns are not tested for drift.",
            ]
        );
        // The stored note is said as it is, with what the check added to it.
        let mut noted = r.clone();
        if let Some(p) = noted.performance.as_mut() {
            p.note
                .push_str("; target `y`: 2 values that are not numbers (`?`) were read as missing");
        }
        assert!(drift_check(&noted)[2].ends_with("(`?`) were read as missing."));
        let mut quiet = report();
        quiet.columns.clear();
        quiet.drifted_columns.clear();
        quiet.prediction_drift = None;
        quiet.performance = None;
        quiet.skipped.clear();
        assert_eq!(
            drift_check(&quiet),
            vec![
                "120 recent rows are too few to compare with the 500 the model learnt from: at \
                 least 30 are needed.",
                "The recent rows carry no true outcomes, so accuracy could not be checked; \
                 include the target column to check it.",
            ]
        );
    }

    #[test]
    fn notes_and_alerts_name_their_numbers() {
        let mut p = report().performance.unwrap();
        p.current_score = None;
        p.n_labelled = 7;
        assert_eq!(
            performance_note(&p),
            "7 labelled rows; at least 20 are needed to judge accuracy"
        );
        // Errors in the target's units are written as narration::score writes them.
        let rmse = Performance {
            metric: Metric::Rmse,
            validation_score: 1234.5678,
            current_score: Some(12.3456),
            n_labelled: 40,
            decayed: false,
            ..p
        };
        assert_eq!(
            performance_note(&rmse),
            "RMSE on 40 labelled rows: 12.35 against 1235 at validation"
        );
        let r = report();
        let age: Vec<&ColumnDrift> = r.columns.iter().filter(|c| c.name == "age").collect();
        assert_eq!(
            drift_alert("age", &age),
            "column 'age' drifted (psi 0.410, ks 0.300)"
        );
        let rise = drift("age", "missing", 0.12, true);
        assert_eq!(
            drift_alert("age", &[&rise]),
            "column 'age' drifted (missing values +12 points)"
        );
        assert_eq!(
            not_tested(NotTested::OnlyMissingShare),
            "fewer than 30 numbers, so only its share of missing values was compared"
        );
        assert_eq!(not_tested(NotTested::FewNumbers), "fewer than 30 numbers");
        assert_eq!(not_tested(NotTested::Absent), "not in the current data");
    }
}
