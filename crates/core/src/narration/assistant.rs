//! The assistant's answers in words: what a plan does, why a score is what it is, what may
//! improve it, which inputs matter, and each proposed change as a short phrase. The rule-based
//! assistant decides which answer a question gets; the sentences are written here, from the
//! run's numbers only.

use std::fmt::Write as _;

use super::run::join_and;
use super::score as fmt_score;
use crate::advisor::{Adjustment, PlanContext, Proposal, RunContext, Transform};
use crate::facts::{ProposalFact, Trial};

/// The preparation plan and the candidate models in words (at most six steps named).
pub fn plan_overview(plan: &PlanContext) -> String {
    let mut s = format!(
        "To predict `{}` from {} columns, the data is prepared column by column: ",
        plan.target, plan.n_columns
    );
    let steps: Vec<String> = plan
        .steps
        .iter()
        .take(6)
        .map(|st| format!("`{}`: {}", st.column, st.step))
        .collect();
    s.push_str(&join_and(&steps));
    if plan.steps.len() > 6 {
        let _ = write!(s, ", and {} more steps", plan.steps.len() - 6);
    }
    s.push_str(". Each step is fitted on training rows only, inside every validation fold. ");
    if !plan.candidates.is_empty() {
        let _ = write!(
            s,
            "The candidates are {}: tree ensembles capture interactions and non-linear effects without scaling, linear models are fast and robust on small or wide data, and the search spends its time where the validation score improves fastest.",
            join_and(&plan.candidates)
        );
    }
    s
}

/// Why the score is what it is: the score against a constant prediction, then what holds it
/// back — imbalanced classes (`imbalance`: the largest class's rows over the smallest's, named
/// from 3 to 1), few rows (under 1,000), the input most of the model's knowledge comes from.
pub fn why_this_score(run: &RunContext, imbalance: Option<f64>) -> String {
    let mut s = String::new();
    let score = fmt_score(run.metric, run.best_score);
    let _ = write!(s, "The model reaches {} {score}", run.metric.display_name());
    if let Some(b) = run.baseline_score {
        let _ = write!(
            s,
            ", against {} for a constant prediction",
            fmt_score(run.metric, b)
        );
    }
    s.push('.');
    if let Some(ratio) = imbalance.filter(|r| *r >= 3.0) {
        let _ = write!(
            s,
            " The classes are imbalanced ({ratio:.1} to 1), which makes the rare class hard to learn."
        );
    }
    if run.n_rows < 1000 {
        let _ = write!(
            s,
            " With only {} rows, the estimate is noisy and complex models overfit.",
            run.n_rows
        );
    }
    if let Some((c, v)) = run.importances.first() {
        let _ = write!(
            s,
            " Most of what the model knows comes from `{c}` ({v:.2}); if the signal in the inputs is weak, no model can do much better."
        );
    }
    s
}

/// What may improve the score: each proposal with its reason, and the rule that a change is
/// kept only if validation improves.
pub fn how_to_improve(run: &RunContext, proposals: &[Proposal]) -> String {
    let mut s = String::new();
    let score = fmt_score(run.metric, run.best_score);
    let _ = write!(
        s,
        "The current {} is {score}. Worth trying: ",
        run.metric.display_name()
    );
    let items: Vec<String> = proposals
        .iter()
        .map(|p| format!("{} ({})", adjustment(&p.adjustment), p.reason))
        .collect();
    s.push_str(&if items.is_empty() {
        "more data or new inputs that carry signal".to_string()
    } else {
        join_and(&items)
    });
    s.push_str(". Each change is kept only if validation improves.");
    s
}

/// The inputs that matter most by the model's importances (five at most).
pub fn what_matters(run: &RunContext) -> String {
    let top: Vec<String> = run
        .importances
        .iter()
        .take(5)
        .map(|(c, v)| format!("`{c}` ({v:.2})"))
        .collect();
    if top.is_empty() {
        return "This model does not report importances.".into();
    }
    format!(
        "By the model's importances, the inputs that matter most are {}.",
        join_and(&top)
    )
}

/// A short phrase for an adjustment ("leave out `cabin`", "search for 90 s").
pub fn adjustment(a: &Adjustment) -> String {
    let cols = |c: &[String]| join_and(&c.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>());
    match a {
        Adjustment::ChangeMetric { metric } => format!("optimise {}", metric.display_name()),
        Adjustment::ExcludeColumns { columns } => format!("leave out {}", cols(columns)),
        Adjustment::IncludeColumns { columns } => format!("bring back {}", cols(columns)),
        Adjustment::AddTransform {
            column,
            transform: Transform::Log,
        } => format!("add log(1 + `{column}`)"),
        Adjustment::AddTransform {
            column,
            transform: Transform::Ratio { denominator },
        } => format!("add `{column}` / `{denominator}`"),
        Adjustment::AddTransform {
            column,
            transform: Transform::DateParts,
        } => format!("add the date parts of `{column}`"),
        Adjustment::AddTransform { column, transform } => match transform {
            Transform::Product { other } => format!("add `{column}` × `{other}`"),
            Transform::Difference { other } => format!("add `{column}` − `{other}`"),
            Transform::Bins { count } => format!("add `{column}` cut into {count} bins"),
            Transform::GroupMean { group } => {
                format!("add the mean `{column}` of each `{group}`")
            }
            Transform::TextLength => format!("add the length of `{column}`"),
            Transform::WordCount => format!("add the word count of `{column}`"),
            Transform::AsCategories => format!("read `{column}` as categories"),
            Transform::AsNumber => format!("read `{column}` as numbers"),
            Transform::Log | Transform::Ratio { .. } | Transform::DateParts => {
                format!("transform `{column}`")
            }
        },
        Adjustment::RestrictModels { models } if models.is_empty() => {
            "search every model family again".into()
        }
        Adjustment::RestrictModels { models } => format!("search only {}", models.join(", ")),
        Adjustment::RaiseBudget { seconds } => format!("search for {seconds:.0} s"),
        Adjustment::RebalanceClasses => "weight classes evenly".into(),
        Adjustment::MergeLabels => "merge labels that differ only in case or spaces".into(),
    }
}

/// What the conversation can do, in words, for answers to requests it cannot carry out.
pub const CAN_DO: &str = "I can leave out a column or bring it back, optimise another metric \
(accuracy, ROC AUC, F1, precision, recall, log loss; R², RMSE, MAE), search only some model \
families (trees, boosting, forests, linear, neighbours, naive Bayes, neural networks) or all \
again, change the time budget, rebalance the classes, set the decision threshold, read a column \
as categories or as numbers, add a column from two others (\"add income divided by age\"), try \
new features (\"try new features\"), and answer what-if questions (\"what if age were 40\")";

/// The conversation's answer to "help": the questions it answers and the changes it makes.
pub fn help() -> String {
    format!(
        "Ask me why the model is not better, what matters most, or what the model would \
         predict if a value were different (\"what if age were 80\": I change it in the \
         first complete row). {} Each change trains the model again with the same seed on the \
         same rows, and is kept only when the score improves by more than chance would.",
        CAN_DO
    )
}

/// A trial in words: what changed, the validation score before → after, and whether it was
/// kept (with the noise it had to beat).
pub fn trial(trial: &Trial) -> String {
    let what = adjustment(&trial.proposal.adjustment);
    match (&trial.after, trial.kept) {
        (Some(after), true) => format!("{what}: {:.4} → {after:.4}, kept", trial.before),
        (Some(after), false) => {
            let better = trial
                .metric
                .map_or(*after > trial.before, |m| m.better(*after, trial.before));
            format!(
                "{what}: {:.4} → {after:.4}, not kept ({})",
                trial.before,
                match trial.noise {
                    Some(n) if better && (*after - trial.before).abs() > 1e-12 =>
                        format!("the gain is within the noise of the comparison, ± {n:.4}"),
                    _ => "no better".into(),
                }
            )
        }
        (None, _) => format!(
            "{what}: not tried ({})",
            trial.note.clone().unwrap_or_default()
        ),
    }
}

/// Why the rules propose a change, in one clause ("the search ran 9 s; a longer search tries
/// more configurations").
pub fn proposal_reason(fact: &ProposalFact) -> String {
    match fact {
        ProposalFact::SpellingGroups { groups } => format!(
            "the labels {} differ only in case or spaces; if they mean the same, one class per \
             meaning gives each more rows to learn from",
            groups
                .iter()
                .map(|g| g
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", "))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        ProposalFact::Imbalance { ratio } => format!(
            "the largest class is {ratio:.1} times the smallest; weighting classes evenly can \
             help the rare ones"
        ),
        ProposalFact::AccuracyFavoursLargest => {
            "accuracy rewards always predicting the largest class".into()
        }
        ProposalFact::WeakInputs { columns } => format!(
            "{} contribute{} almost nothing to the model's importance",
            join_and(&columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>()),
            if columns.len() == 1 { "s" } else { "" }
        ),
        ProposalFact::ShortSearch { elapsed_secs } => {
            format!("the search ran {elapsed_secs:.0} s; a longer search tries more configurations")
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::advisor::{ModelScore, StepSummary};
    use crate::{Metric, Task};

    /// A binary run on 891 rows; the fixture the narration tests share.
    pub(crate) fn run() -> RunContext {
        RunContext {
            task: Task::Binary,
            target: "survived".into(),
            metric: Metric::RocAuc,
            n_rows: 891,
            n_columns: 5,
            best_model: "gbdt.hist_gbm".into(),
            best_score: 0.86,
            baseline_score: Some(0.5),
            leaderboard: vec![ModelScore {
                model: "gbdt.hist_gbm".into(),
                score: 0.86,
                std: 0.01,
                fit_secs: 0.1,
            }],
            importances: vec![("sex".into(), 0.5), ("fare".into(), 0.25)],
            trials: 12,
            elapsed_secs: 9.5,
            class_counts: vec![("0".into(), 549), ("1".into(), 342)],
            dropped_columns: vec![],
            input_columns: vec!["sex".into(), "fare".into()],
        }
    }

    #[test]
    fn why_a_score_names_what_holds_it_back() {
        assert_eq!(
            why_this_score(&run(), Some(3.5)),
            "The model reaches ROC AUC 0.8600, against 0.5000 for a constant prediction. The \
             classes are imbalanced (3.5 to 1), which makes the rare class hard to learn. With \
             only 891 rows, the estimate is noisy and complex models overfit. Most of what the \
             model knows comes from `sex` (0.50); if the signal in the inputs is weak, no model \
             can do much better."
        );
        // Balanced enough, many rows, no importances: the score alone.
        let big = RunContext {
            n_rows: 5000,
            importances: vec![],
            baseline_score: None,
            ..run()
        };
        assert_eq!(
            why_this_score(&big, Some(1.6)),
            "The model reaches ROC AUC 0.8600."
        );
    }

    #[test]
    fn proposal_reasons_name_their_evidence() {
        let say = |f: ProposalFact| proposal_reason(&f);
        assert_eq!(
            say(ProposalFact::SpellingGroups {
                groups: vec![
                    vec!["Yes".into(), "yes ".into()],
                    vec!["No".into(), "no".into()]
                ]
            }),
            "the labels `Yes`, `yes `; `No`, `no` differ only in case or spaces; if they mean the \
             same, one class per meaning gives each more rows to learn from"
        );
        assert_eq!(
            say(ProposalFact::Imbalance { ratio: 3.456 }),
            "the largest class is 3.5 times the smallest; weighting classes evenly can help the \
             rare ones"
        );
        assert_eq!(
            say(ProposalFact::WeakInputs {
                columns: vec!["a".into()]
            }),
            "`a` contributes almost nothing to the model's importance"
        );
        assert_eq!(
            say(ProposalFact::WeakInputs {
                columns: vec!["a".into(), "b".into(), "c".into()]
            }),
            "`a`, `b` and `c` contribute almost nothing to the model's importance"
        );
        assert_eq!(
            say(ProposalFact::ShortSearch { elapsed_secs: 9.4 }),
            "the search ran 9 s; a longer search tries more configurations"
        );
        assert_eq!(
            say(ProposalFact::AccuracyFavoursLargest),
            "accuracy rewards always predicting the largest class"
        );
    }

    #[test]
    fn a_trial_says_before_after_and_why_it_was_kept_or_not() {
        let t = Trial {
            proposal: Proposal {
                adjustment: Adjustment::ExcludeColumns {
                    columns: vec!["cabin".into()],
                },
                reason: String::new(),
            },
            before: 0.85,
            after: Some(0.8612),
            kept: true,
            note: None,
            noise: Some(0.004),
            metric: Some(Metric::RocAuc),
        };
        let what = adjustment(&t.proposal.adjustment);
        assert_eq!(trial(&t), format!("{what}: 0.8500 → 0.8612, kept"));
        let within = Trial {
            after: Some(0.852),
            kept: false,
            ..t.clone()
        };
        assert_eq!(
            trial(&within),
            format!(
                "{what}: 0.8500 → 0.8520, not kept (the gain is within the noise of the \
                 comparison, ± 0.0040)"
            )
        );
        // For an error metric lower is better: a higher RMSE is simply no better.
        let worse = Trial {
            after: Some(3.2),
            before: 3.0,
            kept: false,
            metric: Some(Metric::Rmse),
            ..t.clone()
        };
        assert_eq!(
            trial(&worse),
            format!("{what}: 3.0000 → 3.2000, not kept (no better)")
        );
        let untried = Trial {
            after: None,
            kept: false,
            note: Some("the column is the target".into()),
            ..t
        };
        assert_eq!(
            trial(&untried),
            format!("{what}: not tried (the column is the target)")
        );
    }

    #[test]
    fn improvements_list_each_change_with_its_reason() {
        let p = vec![
            Proposal {
                adjustment: Adjustment::ExcludeColumns {
                    columns: vec!["cabin".into()],
                },
                reason: "`cabin` contributes almost nothing".into(),
            },
            Proposal {
                adjustment: Adjustment::RaiseBudget { seconds: 30.0 },
                reason: "a longer search tries more".into(),
            },
        ];
        assert_eq!(
            how_to_improve(&run(), &p),
            "The current ROC AUC is 0.8600. Worth trying: leave out `cabin` (`cabin` contributes \
             almost nothing) and search for 30 s (a longer search tries more). Each change is \
             kept only if validation improves."
        );
        assert!(how_to_improve(&run(), &[]).contains("Worth trying: more data or new inputs"));
    }

    #[test]
    fn what_matters_and_the_plan_in_words() {
        assert_eq!(
            what_matters(&run()),
            "By the model's importances, the inputs that matter most are `sex` (0.50) and `fare` \
             (0.25)."
        );
        let none = RunContext {
            importances: vec![],
            ..run()
        };
        assert_eq!(
            what_matters(&none),
            "This model does not report importances."
        );
        let plan = PlanContext {
            target: "survived".into(),
            task: Some(Task::Binary),
            steps: (0..8)
                .map(|i| StepSummary {
                    column: format!("c{i}"),
                    step: "scale".into(),
                    reason: String::new(),
                })
                .collect(),
            candidates: vec![],
            n_rows: 891,
            n_columns: 8,
        };
        let text = plan_overview(&plan);
        assert!(
            text.starts_with(
                "To predict `survived` from 8 columns, the data is prepared column by column: \
                 `c0`: scale, "
            ),
            "{text}"
        );
        assert!(
            text.contains("`c5`: scale, and 2 more steps. Each step is fitted"),
            "{text}"
        );
        assert!(!text.contains("The candidates"), "{text}");
    }

    #[test]
    fn adjustments_as_short_phrases() {
        let cases = [
            (
                Adjustment::AddTransform {
                    column: "fare".into(),
                    transform: Transform::Ratio {
                        denominator: "family".into(),
                    },
                },
                "add `fare` / `family`",
            ),
            (
                Adjustment::IncludeColumns {
                    columns: vec!["a".into(), "b".into(), "c".into()],
                },
                "bring back `a`, `b` and `c`",
            ),
            (
                Adjustment::RestrictModels { models: vec![] },
                "search every model family again",
            ),
            (Adjustment::RebalanceClasses, "weight classes evenly"),
        ];
        for (a, words) in cases {
            assert_eq!(adjustment(&a), words);
        }
    }
}
