//! How a model was trained: the configuration stored in every artifact, from which `mlpilot
//! retrain` trains it again.

use mlpilot_core::{Metric, Task, TaskSpec};
use mlpilot_search::{SamplerKind, Validation};
use serde::{Deserialize, Serialize};

/// How a model was trained: everything needed to train it again (`mlpilot retrain`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The target column.
    pub target: Option<String>,
    /// The task (inferred from the target when absent).
    pub task: Option<Task>,
    /// The metric (the task's default when absent).
    pub metric: Option<Metric>,
    /// Seconds for the whole fit.
    pub time_budget_secs: Option<f64>,
    /// Most trials.
    pub max_trials: Option<usize>,
    /// Seed.
    pub seed: u64,
    /// Parallel trials.
    pub threads: usize,
    /// Estimators, backends or families to search (`None`: the defaults).
    pub estimators: Option<Vec<String>>,
    /// Columns to leave out.
    pub exclude: Vec<String>,
    /// Validation scheme.
    pub validation: Validation,
    /// Column grouping rows for grouped validation.
    pub group_column: Option<String>,
    /// Try ensembles.
    pub ensemble: bool,
    /// Memory limit in bytes.
    pub memory_limit: Option<u64>,
    /// Weight classes inversely to their frequency.
    pub rebalance: bool,
    /// The sampler.
    pub sampler: SamplerKind,
    /// Derived input columns (added by refinements), computed before training and prediction.
    #[serde(default)]
    pub derived: Vec<mlpilot_prep::Derived>,
    /// The decimal mark the user gave for numbers written as text (`Some(true)`: decimal
    /// commas), used again when predicting; `None`: decided from the values.
    #[serde(default)]
    pub decimal_comma: Option<bool>,
    /// Merge target labels that differ only in case or spaces into their most frequent
    /// spelling before training.
    #[serde(default)]
    pub merge_labels: bool,
    /// Keep the model exportable to ONNX: search only exportable estimators and leave out
    /// date and free-text columns (no ONNX operator parses dates or tokenizes text).
    #[serde(default)]
    pub exportable_onnx: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            target: None,
            task: None,
            metric: None,
            time_budget_secs: None,
            max_trials: None,
            seed: 0,
            threads: 1,
            estimators: None,
            exclude: Vec::new(),
            validation: Validation::Auto,
            group_column: None,
            ensemble: true,
            memory_limit: None,
            rebalance: false,
            sampler: SamplerKind::Local,
            derived: Vec::new(),
            decimal_comma: None,
            merge_labels: false,
            exportable_onnx: false,
        }
    }
}

/// What a person fixed by hand, which a goal in words does not override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FixedByHand {
    /// The target was named (`--target`).
    pub target: bool,
    /// The task was named (`--task`).
    pub task: bool,
    /// The metric was named (`--metric`).
    pub metric: bool,
}

impl RunConfig {
    /// Takes the task a goal in words was turned into — the one rule the CLI (`run --goal`) and
    /// a conversation (`Session`) share.
    ///
    /// What `fixed` names stays as it is; a target named by hand that differs from the goal's
    /// keeps the goal out entirely (its task, metric and left-out columns were chosen for
    /// another column). Otherwise the target, task and metric come from `spec`; the columns
    /// the `previous` goal left out are let back in, `spec`'s are left out, and the person's
    /// own exclusions stay. The target is never left out.
    ///
    /// Returns whether the goal was adopted. (A column the person left out that the previous
    /// goal had also left out is let back in with the rest: the configuration does not record
    /// who left a column out.) The rule lives with `RunConfig`, in the saved-model crate,
    /// because the configuration it changes is what an artifact stores.
    pub fn adopt_goal(
        &mut self,
        spec: &TaskSpec,
        fixed: FixedByHand,
        previous: Option<&TaskSpec>,
    ) -> bool {
        if fixed.target && self.target.as_deref() != Some(spec.target.as_str()) {
            return false;
        }
        self.target = Some(spec.target.clone());
        if !fixed.task {
            self.task = Some(spec.task);
        }
        if !fixed.metric {
            self.metric = Some(spec.metric);
        }
        if let Some(p) = previous {
            self.exclude.retain(|c| !p.excluded.contains(c));
        }
        for c in &spec.excluded {
            if !self.exclude.contains(c) {
                self.exclude.push(c.clone());
            }
        }
        self.exclude.retain(|c| c != &spec.target);
        true
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn spec(target: &str, task: Task, excluded: &[&str]) -> TaskSpec {
        TaskSpec {
            task,
            target: target.into(),
            metric: task.default_metric(),
            excluded: excluded.iter().map(|s| s.to_string()).collect(),
            time_column: None,
            horizon: None,
            notes: Vec::new(),
            runner_up: None,
            undecided: false,
        }
    }

    #[test]
    fn a_goal_fills_what_the_person_left_open() {
        let mut c = RunConfig {
            metric: Some(Metric::F1Macro),
            exclude: vec!["name".into()],
            ..RunConfig::default()
        };
        let fixed = FixedByHand {
            metric: true,
            ..FixedByHand::default()
        };
        assert!(c.adopt_goal(&spec("survived", Task::Binary, &["ticket"]), fixed, None));
        assert_eq!(c.target.as_deref(), Some("survived"));
        assert_eq!(c.task, Some(Task::Binary));
        assert_eq!(c.metric, Some(Metric::F1Macro));
        assert_eq!(c.exclude, vec!["name".to_string(), "ticket".to_string()]);
    }

    #[test]
    fn a_target_named_by_hand_keeps_another_goal_out() {
        let mut c = RunConfig {
            target: Some("fare".into()),
            ..RunConfig::default()
        };
        let fixed = FixedByHand {
            target: true,
            ..FixedByHand::default()
        };
        assert!(!c.adopt_goal(&spec("survived", Task::Binary, &["ticket"]), fixed, None));
        assert_eq!(c.target.as_deref(), Some("fare"));
        assert_eq!(c.task, None);
        assert!(c.exclude.is_empty());
        // The same column: the goal's task and exclusions apply.
        assert!(c.adopt_goal(&spec("fare", Task::Regression, &["ticket"]), fixed, None));
        assert_eq!(c.task, Some(Task::Regression));
        assert_eq!(c.exclude, vec!["ticket".to_string()]);
    }

    #[test]
    fn a_new_goal_lets_back_what_the_last_one_left_out_but_not_the_persons_own() {
        let first = spec("survived", Task::Binary, &["boat", "body"]);
        let mut c = RunConfig::default();
        c.adopt_goal(&first, FixedByHand::default(), None);
        c.exclude.push("sibsp".into()); // "leave out sibsp"
        // The person picks the runner-up, which the first goal had left out.
        let second = spec("boat", Task::Multiclass, &["body"]);
        c.adopt_goal(&second, FixedByHand::default(), Some(&first));
        assert_eq!(c.target.as_deref(), Some("boat"));
        assert_eq!(c.exclude, vec!["sibsp".to_string(), "body".to_string()]);
    }
}
