//! Requests in a person's words → typed actions, by rules: "leave out sibsp", "bring back age",
//! "optimise recall", "only trees", "spend two minutes", "rebalance the classes", "set the
//! threshold to 0.3", "what if age were 40". Anything it reads as a request it cannot carry out
//! gets an honest answer listing what it can do ([`CAN_DO`]); anything else is a question.

use mlpilot_core::advisor::Transform;
use mlpilot_core::{Adjustment, DatasetProfile, Metric, Request, Task};

use crate::answers::{RequestAction, RequestAnswer};
use crate::goal::{metric_in_goal, stems};

pub use mlpilot_core::narration::CAN_DO;

const NUMBER_WORDS: [(&str, f64); 12] = [
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("ten", 10.0),
    ("fifteen", 15.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("half", 0.5),
    ("an", 1.0),
];

/// Words for model families and the search's family filters they stand for ("trees" are all
/// three tree families).
const FAMILIES: [(&str, &[&str]); 12] = [
    ("tree", &["tree", "forest", "boosting"]),
    ("boost", &["boosting"]),
    ("gbdt", &["boosting"]),
    ("forest", &["forest"]),
    ("linear", &["linear"]),
    ("logistic", &["linear"]),
    ("neighbo", &["neighbors"]),
    ("knn", &["neighbors"]),
    ("bayes", &["naivebayes"]),
    ("neural", &["neuralnet"]),
    ("network", &["neuralnet"]),
    ("svm", &["svm"]),
];

/// The family filters a text names, by whole words ("nonlinear" is not "linear").
fn families_in(lower: &str) -> Vec<String> {
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out: Vec<String> = Vec::new();
    for (k, fs) in FAMILIES {
        if words.iter().any(|w| w.starts_with(k)) {
            for f in fs {
                if !out.iter().any(|o| o == f) {
                    out.push((*f).to_string());
                }
            }
        }
    }
    out
}

/// Whether a text (lowercased) is a question rather than a request: it ends with `?` or opens with a
/// question word — except "what if …", which asks for a prediction.
pub fn is_question(lower: &str) -> bool {
    let t = lower.trim();
    if t.starts_with("what if") || t.starts_with("what would happen if") {
        return false;
    }
    let first = t.split_whitespace().next().unwrap_or("");
    t.ends_with('?')
        || matches!(
            first,
            "why"
                | "what"
                | "what's"
                | "which"
                | "does"
                | "do"
                | "did"
                | "is"
                | "are"
                | "was"
                | "were"
                | "how"
                | "can"
                | "could"
                | "should"
                | "when"
                | "where"
                | "who"
                | "i"
                | "it"
                | "the"
        )
}

/// Whether a marker at byte `at` of `lower` is negated ("don't drop", "do not remove", "never").
fn negated(lower: &str, at: usize) -> bool {
    let before = lower.get(..at).unwrap_or("").trim_end();
    [
        "don't",
        "do not",
        "dont",
        "never",
        "not",
        "no need to",
        "stop",
        "without",
    ]
    .iter()
    .any(|n| before.ends_with(n))
}

/// The numbers of a text (a full stop ending a sentence is not a decimal point).
fn numbers(lower: &str) -> Vec<f64> {
    lower
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|w| w.trim_end_matches('.'))
        .filter_map(|w| w.parse::<f64>().ok())
        .collect()
}

/// The columns a phrase names: exact names first (in backticks or not), then by their words.
fn columns_in(phrase: &str, columns: &[String]) -> Vec<String> {
    let lower = phrase.to_lowercase();
    let mut out: Vec<String> = columns
        .iter()
        .filter(|c| {
            let c = c.to_lowercase();
            lower.match_indices(&c).any(|(i, _)| {
                let before = lower.get(..i).and_then(|b| b.chars().last());
                let after = lower.get(i + c.len()..).and_then(|a| a.chars().next());
                !before.is_some_and(|b| b.is_alphanumeric() || b == '_')
                    && !after.is_some_and(|a| a.is_alphanumeric() || a == '_')
            })
        })
        .cloned()
        .collect();
    if out.is_empty() {
        let words = stems(phrase);
        out = columns
            .iter()
            .filter(|c| {
                // A unit in brackets is not said aloud: "sepal length" names `sepal length (cm)`.
                let spoken = c.split(['(', '[']).next().unwrap_or(c);
                let cw = stems(spoken);
                !cw.is_empty() && cw.iter().all(|w| words.contains(w))
            })
            .cloned()
            .collect();
    }
    out
}

/// The words after the first of `markers` that opens a clause of `text` (at its start, or
/// after a comma, "please", "and" or "then"), if any and not negated.
fn after(text: &str, lower: &str, markers: &[&str]) -> Option<String> {
    markers.iter().find_map(|m| {
        lower.match_indices(m).find_map(|(i, _)| {
            let before = lower.get(..i).unwrap_or("").trim_end();
            let opens = before.is_empty()
                || before.ends_with(',')
                || before.ends_with(';')
                || before.ends_with("please")
                || before.ends_with(" and")
                || before.ends_with("then")
                || before.ends_with("now")
                || before.ends_with("also")
                || before.ends_with("can you")
                || before.ends_with("could you")
                || before.ends_with("i want to")
                || before.ends_with("let's");
            if !opens || negated(lower, i) {
                return None;
            }
            // Offsets of the lowercased text hold for the original only when lowercasing kept
            // every character's length.
            if lower.len() == text.len() {
                text.get(i + m.len()..).map(str::to_string)
            } else {
                lower.get(i + m.len()..).map(str::to_string)
            }
        })
    })
}

/// Says what a word the person named is, when it is not a column: a value of one.
fn not_a_column(word: &str, profile: &DatasetProfile) -> String {
    let w = word
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
    for c in &profile.columns {
        if c.top_values.iter().any(|v| v.value.eq_ignore_ascii_case(w)) {
            return format!(
                "`{w}` is a value of `{}`, not a column; to leave out what `{}` says, leave out `{}`",
                c.name, c.name, c.name
            );
        }
    }
    format!(
        "no column is called `{w}`; the columns are {}",
        profile
            .columns
            .iter()
            .take(30)
            .map(|c| format!("`{}`", c.name))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Reads a request. `None` when the text is not a request (a question, say); the caller then
/// answers it as one.
pub fn parse_request(
    text: &str,
    profile: &DatasetProfile,
    target: &str,
    task: Task,
) -> Option<Request> {
    let said = Said {
        text,
        lower: text.to_lowercase(),
        columns: profile
            .columns
            .iter()
            .map(|c| c.name.clone())
            .filter(|c| c != target)
            .collect(),
        profile,
        task,
    };
    if let Some(what_if) = said.what_if() {
        return Some(what_if);
    }
    // A question is answered, never carried out ("why did you drop parch?").
    if is_question(&said.lower) {
        return None;
    }
    said.features()
        .or_else(|| said.read_as())
        .or_else(|| said.combine())
        .or_else(|| said.leave_out())
        .or_else(|| said.bring_back())
        .or_else(|| said.families())
        .or_else(|| said.metric())
        .or_else(|| said.budget())
        .or_else(|| said.rebalance())
        .or_else(|| said.threshold())
}

/// A request's text, lower-cased, with the columns it may name (the target's excluded).
struct Said<'a> {
    text: &'a str,
    lower: String,
    columns: Vec<String>,
    profile: &'a DatasetProfile,
    task: Task,
}

impl Said<'_> {
    /// "what if `age` were 30": a what-if question about one row.
    fn what_if(&self) -> Option<Request> {
        let text = self.text;
        let lower = self.lower.as_str();
        let columns = &self.columns;
        let profile = self.profile;
        // What if a column had another value.
        if let Some(rest) = after(
            text,
            lower,
            &["what if ", "what would happen if ", "suppose "],
        ) {
            let rest = rest.as_str();
            let rl = rest.to_lowercase();
            for sep in [" were ", " was ", " is ", " = ", " equals ", " of ", " at "] {
                if let Some(i) = rl.find(sep) {
                    let col_part = rest.get(..i).unwrap_or("");
                    let value = rest
                        .get(i + sep.len()..)
                        .unwrap_or("")
                        .trim()
                        .trim_end_matches(['?', '.', '!'])
                        .trim_matches(['`', '"', '\''])
                        .to_string();
                    let cols = columns_in(col_part, columns);
                    return Some(match cols.first() {
                        Some(c) if !value.is_empty() => Request::WhatIf {
                            column: c.clone(),
                            value,
                        },
                        _ => Request::Cannot {
                            why: not_a_column(
                                col_part.split_whitespace().last().unwrap_or(col_part),
                                profile,
                            ),
                        },
                    });
                }
            }
        }
        None
    }

    /// "try new features": the assistant proposes derived columns.
    fn features(&self) -> Option<Request> {
        let lower = self.lower.as_str();
        let opening = lower.trim().trim_start_matches("please ");
        if [
            "try new feature",
            "new features",
            "feature engineering",
            "engineer feature",
            "engineer some feature",
            "add features",
            "add new features",
            "try features",
            "try more features",
            "propose features",
        ]
        .iter()
        .any(|k| opening.starts_with(k))
        {
            return Some(Request::Features);
        }
        None
    }

    /// "treat `pclass` as categories": a column read another way.
    fn read_as(&self) -> Option<Request> {
        let text = self.text;
        let lower = self.lower.as_str();
        let columns = &self.columns;
        let profile = self.profile;
        // Changing how a column is read.
        if let Some(rest) = after(text, lower, &["treat ", "read ", "consider "]) {
            let rest = rest.as_str();
            let rl = rest.to_lowercase();
            if let Some(i) = rl.find(" as ") {
                let cols = columns_in(rest.get(..i).unwrap_or(""), columns);
                let how = rl.get(i + 4..).unwrap_or("");
                let transform = if ["categor", "class", "label", "group", "level"]
                    .iter()
                    .any(|k| how.contains(k))
                {
                    Some(Transform::AsCategories)
                } else if ["number", "numeric", "quantit", "amount", "order", "rank"]
                    .iter()
                    .any(|k| how.contains(k))
                {
                    Some(Transform::AsNumber)
                } else {
                    None
                };
                return Some(match (cols.first(), transform) {
                    (Some(c), Some(transform)) => Request::Adjust {
                        adjustment: Adjustment::AddTransform {
                            column: c.clone(),
                            transform,
                        },
                    },
                    (None, _) => Request::Cannot {
                        why: not_a_column(rest.get(..i).unwrap_or(rest), profile),
                    },
                    (Some(c), None) => Request::Cannot {
                        why: format!(
                            "I can read `{c}` as categories or as numbers (an order given by numbers); \
                             for text or dates, give the file with `{c}` written that way (ISO dates) \
                             and run again. {CAN_DO}."
                        ),
                    },
                });
            }
        }
        None
    }

    /// "add `debt` divided by `income`": a new column from two others.
    fn combine(&self) -> Option<Request> {
        let text = self.text;
        let lower = self.lower.as_str();
        let columns = &self.columns;
        // A new column from two others.
        for (words, make) in [
            (&[" divided by ", " per ", " over "][..], 0u8),
            (&[" times ", " multiplied by "][..], 1),
            (&[" minus "][..], 2),
        ] {
            for w in words {
                if let Some(i) = lower.find(w)
                    && ["add ", "try ", "use ", "make ", "create "]
                        .iter()
                        .any(|k| lower.starts_with(k) || lower.contains(&format!(" {k}")))
                {
                    let left = columns_in(text.get(..i).unwrap_or(""), columns);
                    let right = columns_in(text.get(i + w.len()..).unwrap_or(""), columns);
                    if let (Some(a), Some(b)) = (left.last(), right.first()) {
                        let transform = match make {
                            0 => Transform::Ratio {
                                denominator: b.clone(),
                            },
                            1 => Transform::Product { other: b.clone() },
                            _ => Transform::Difference { other: b.clone() },
                        };
                        return Some(Request::Adjust {
                            adjustment: Adjustment::AddTransform {
                                column: a.clone(),
                                transform,
                            },
                        });
                    }
                }
            }
        }
        None
    }

    /// "leave out `ticket`": columns left out.
    fn leave_out(&self) -> Option<Request> {
        let text = self.text;
        let lower = self.lower.as_str();
        let columns = &self.columns;
        let profile = self.profile;
        // Leave out.
        if let Some(rest) = after(
            text,
            lower,
            &[
                "leave out ",
                "get rid of ",
                "take out ",
                "exclude ",
                "drop ",
                "remove ",
                "ignore ",
                "without ",
                "don't use ",
                "do not use ",
                "stop using ",
            ],
        ) {
            let rest = rest.as_str();
            // "leave out age and keep sex": only what comes before the "keep".
            let rl = rest.to_lowercase();
            let end = ["keep ", "but ", "except "]
                .iter()
                .filter_map(|k| rl.find(k))
                .min()
                .unwrap_or(rest.len());
            let rest = rest.get(..end).unwrap_or(rest);
            let cols = columns_in(rest, columns);
            if cols.is_empty() {
                let word = rest
                    .split([',', ' '])
                    .find(|w| {
                        !w.is_empty()
                            && !["the", "column", "columns"].contains(&w.to_lowercase().as_str())
                    })
                    .unwrap_or(rest);
                return Some(Request::Cannot {
                    why: not_a_column(word, profile),
                });
            }
            return Some(Request::Adjust {
                adjustment: Adjustment::ExcludeColumns { columns: cols },
            });
        }
        None
    }

    /// "bring back `ticket`": columns put back.
    fn bring_back(&self) -> Option<Request> {
        let text = self.text;
        let lower = self.lower.as_str();
        let columns = &self.columns;
        let profile = self.profile;
        if let Some(rest) = after(
            text,
            lower,
            &[
                "bring back ",
                "include ",
                "put back ",
                "use again ",
                "add back ",
            ],
        ) {
            let rest = rest.as_str();
            let fams = families_in(&rest.to_lowercase());
            let cols = columns_in(rest, columns);
            if !cols.is_empty() {
                return Some(Request::Adjust {
                    adjustment: Adjustment::IncludeColumns { columns: cols },
                });
            }
            if !fams.is_empty() {
                return Some(Request::Adjust {
                    adjustment: Adjustment::RestrictModels { models: Vec::new() },
                });
            }
            return Some(Request::Cannot {
                why: not_a_column(rest.split_whitespace().next().unwrap_or(rest), profile),
            });
        }
        None
    }

    /// "only trees", "try all models": the model families searched.
    fn families(&self) -> Option<Request> {
        let lower = self.lower.as_str();
        // Model families.
        if (lower.starts_with("only ")
            || lower.contains(" only ")
            || lower.starts_with("just ")
            || lower.contains("stick to "))
            && !families_in(lower).is_empty()
        {
            return Some(Request::Adjust {
                adjustment: Adjustment::RestrictModels {
                    models: families_in(lower),
                },
            });
        }
        if (lower.contains("all models")
            || lower.contains("every model")
            || lower.contains("all the models")
            || lower.contains("all families"))
            && (lower.contains("try")
                || lower.contains("use")
                || lower.contains("search")
                || lower.contains("back"))
        {
            return Some(Request::Adjust {
                adjustment: Adjustment::RestrictModels { models: Vec::new() },
            });
        }
        None
    }

    /// "optimise recall": the metric, the first named after the verb, not one it is "rather than" or "not".
    fn metric(&self) -> Option<Request> {
        let text = self.text;
        let lower = self.lower.as_str();
        let task = self.task;
        // Metric: the one named first after the verb, not one it is "rather than" or "not".
        if let Some(rest) = after(
            text,
            lower,
            &[
                "optimise ",
                "optimize ",
                "maximise ",
                "maximize ",
                "minimise ",
                "minimize ",
                "focus on ",
                "care about ",
                "use the metric ",
                "score by ",
                "judge by ",
                "use ",
            ],
        ) {
            let rl = rest.to_lowercase();
            let end = [" rather than", " not ", " instead of", ", not", " over "]
                .iter()
                .filter_map(|k| rl.find(k))
                .min()
                .unwrap_or(rl.len());
            let wanted = rl.get(..end).unwrap_or(&rl);
            let metric = metric_in_goal(wanted, task);
            // "use …" that names no metric is about something else (a column, a family).
            let plain_use = lower.trim_start().starts_with("use ")
                && ![
                    "optimi",
                    "maximi",
                    "minimi",
                    "focus on",
                    "care about",
                    "score by",
                    "judge by",
                ]
                .iter()
                .any(|k| lower.contains(k));
            if metric.is_some() || !plain_use {
                return Some(match metric {
                    Some(metric) => Request::Adjust {
                        adjustment: Adjustment::ChangeMetric { metric },
                    },
                    None => Request::Cannot {
                        why: format!("I know no metric by that name for a {task} task. {CAN_DO}."),
                    },
                });
            }
        }
        None
    }

    /// "spend 2 minutes", "search longer": the time budget.
    fn budget(&self) -> Option<Request> {
        let lower = self.lower.as_str();
        // Budget: a number with its unit, or "longer" / "more time" (twice the budget).
        let budget_verb = [
            "spend ",
            "take ",
            "budget",
            "search for ",
            "search longer",
            "train for ",
            "run for ",
            "more time",
            "longer",
        ]
        .iter()
        .any(|k| lower.contains(k));
        if budget_verb {
            let words: Vec<&str> = lower
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                .filter(|w| !w.is_empty())
                .collect();
            let unit_after = |i: usize| -> Option<f64> {
                let u = words.get(i + 1)?;
                if u.starts_with("minute") || *u == "min" || *u == "mins" {
                    Some(60.0)
                } else if u.starts_with("second") || *u == "s" || *u == "sec" || *u == "secs" {
                    Some(1.0)
                } else {
                    None
                }
            };
            let amount = words.iter().enumerate().find_map(|(i, w)| {
                let n = w
                    .trim_end_matches('.')
                    .parse::<f64>()
                    .ok()
                    .or_else(|| NUMBER_WORDS.iter().find(|(k, _)| k == w).map(|(_, v)| *v))?;
                Some(n * unit_after(i)?)
            });
            if let Some(seconds) = amount {
                return Some(Request::Adjust {
                    adjustment: Adjustment::RaiseBudget { seconds },
                });
            }
            if lower.contains("longer") || lower.contains("more time") {
                return Some(Request::Adjust {
                    adjustment: Adjustment::RaiseBudget { seconds: f64::NAN },
                });
            }
        }
        None
    }

    /// "rebalance the classes".
    fn rebalance(&self) -> Option<Request> {
        let lower = self.lower.as_str();
        let task = self.task;
        if lower.contains("rebalanc")
            || lower.contains("balance the classes")
            || lower.contains("weight the classes")
            || lower.contains("class weight")
        {
            return Some(if task.is_classification() {
                Request::Adjust {
                    adjustment: Adjustment::RebalanceClasses,
                }
            } else {
                Request::Cannot {
                    why:
                        "rebalancing classes applies to classification; this task predicts a number"
                            .into(),
                }
            });
        }
        None
    }

    /// "use a threshold of 0.3": the decision threshold.
    fn threshold(&self) -> Option<Request> {
        let lower = self.lower.as_str();
        let task = self.task;
        if lower.contains("threshold") || lower.contains("cut-off") || lower.contains("cutoff") {
            let value = numbers(lower)
                .into_iter()
                .next()
                .map(|v| if v > 1.0 && v <= 100.0 { v / 100.0 } else { v });
            return Some(match (task, value) {
                (Task::Binary, Some(v)) if v > 0.0 && v < 1.0 => {
                    Request::Threshold { threshold: v }
                }
                (Task::Binary, _) => Request::Cannot {
                    why: "a threshold is a probability between 0 and 1, such as 0.3".into(),
                },
                _ => Request::Cannot {
                    why: "a decision threshold applies to yes/no (binary) tasks only".into(),
                },
            });
        }
        None
    }
}

/// Whether a request's text names a column: its name, all its words, a shared 4-letter start,
/// or a word of 4+ letters inside the name (`ticket class` names `pclass`).
pub fn text_names_column(text: &str, column: &str) -> bool {
    let lower = text.to_lowercase();
    let name = column.to_lowercase();
    if lower.contains(&name) {
        return true;
    }
    let words = stems(text);
    let cw = stems(column);
    (!cw.is_empty() && cw.iter().all(|w| words.contains(w)))
        || words.iter().filter(|w| w.len() >= 4).any(|w| {
            name.contains(w.as_str()) || cw.iter().any(|c| c.len() >= 4 && c.get(..4) == w.get(..4))
        })
}

/// The model family names a request or a proposal may restrict the search to, sorted.
pub fn family_names() -> Vec<&'static str> {
    let mut families: Vec<&str> = FAMILIES.iter().flat_map(|f| f.1.iter().copied()).collect();
    families.sort_unstable();
    families.dedup();
    families
}

/// The JSON schema a language model answers a request with: derived from the answer's type
/// (`action` is one of the actions [`request_from_json`] reads), with the columns, the task's
/// metrics and the model families as enums.
pub fn request_schema(profile: &DatasetProfile, target: &str, task: Task) -> serde_json::Value {
    let columns: Vec<&str> = profile
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|c| *c != target)
        .collect();
    let metrics: Vec<&str> = mlpilot_core::task::ALL_METRICS
        .iter()
        .filter(|m| m.applies_to(task))
        .map(|m| m.as_str())
        .collect();
    let families = family_names();
    let mut schema = crate::answers::schema_for::<RequestAnswer>();
    crate::answers::restrict(&mut schema, &["columns"], &columns);
    crate::answers::restrict(&mut schema, &["column"], &columns);
    crate::answers::restrict(&mut schema, &["metric"], &metrics);
    crate::answers::restrict(&mut schema, &["families"], &families);
    schema
}

/// A language model's reading of a request, checked: the columns must exist and be named in
/// the text, the metric must fit the task, numbers must be sensible. `Ok(None)` for a question.
///
/// # Errors
/// Why the reading was refused, in words.
pub fn request_from_json(
    v: &serde_json::Value,
    text: &str,
    profile: &DatasetProfile,
    target: &str,
    task: Task,
) -> Result<Option<Request>, String> {
    let checked_columns = |cols: Vec<String>| -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for c in cols {
            if c == target || profile.column(&c).is_none() {
                return Err(format!("`{c}` is not an input column"));
            }
            if !text_names_column(text, &c) {
                return Err(format!("the request does not name `{c}`"));
            }
            out.push(c);
        }
        if out.is_empty() {
            return Err("it named no column".into());
        }
        Ok(out)
    };
    let lower = text.to_lowercase();
    let says = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    // A question is answered, never carried out, whatever a model reads into it (a what-if
    // changes nothing, so it may be asked as a question) — even when its answer is malformed.
    if is_question(&lower) && v.get("action").and_then(serde_json::Value::as_str) != Some("what_if")
    {
        return Ok(None);
    }
    let answer: RequestAnswer = crate::answers::parse(v, "its answer")?;
    let action = answer.action;
    let adjust = |adjustment| Ok(Some(Request::Adjust { adjustment }));
    match action {
        RequestAction::Question => Ok(None),
        RequestAction::LeaveOut => adjust(Adjustment::ExcludeColumns {
            columns: checked_columns(answer.columns)?,
        }),
        RequestAction::BringBack => adjust(Adjustment::IncludeColumns {
            columns: checked_columns(answer.columns)?,
        }),
        RequestAction::ChangeMetric => adjust(Adjustment::ChangeMetric {
            metric: named_metric(answer.metric.as_deref(), text, task)?,
        }),
        RequestAction::OnlyFamilies => {
            let f = answer.families;
            let named = families_in(&text.to_lowercase());
            if f.is_empty() || !f.iter().all(|x| named.contains(x)) {
                return Err("the request does not name those model families".into());
            }
            adjust(Adjustment::RestrictModels { models: f })
        }
        RequestAction::AllFamilies if says(&["all", "every", "any"]) => {
            adjust(Adjustment::RestrictModels { models: Vec::new() })
        }
        RequestAction::AllFamilies => Err("the request does not ask for every model family".into()),
        RequestAction::SetBudget => {
            let secs = answer.seconds.ok_or("set_budget needs seconds")?;
            if !(1.0..=3600.0).contains(&secs) {
                return Err(format!("{secs} s is not a sensible budget"));
            }
            if numbers(&lower).is_empty() && !says(&["longer", "more time", "minute", "second"]) {
                return Err("the request names no time".into());
            }
            adjust(Adjustment::RaiseBudget { seconds: secs })
        }
        RequestAction::Rebalance if !says(&["balanc", "weight", "rare", "imbalanc"]) => {
            Err("the request does not ask to rebalance".into())
        }
        RequestAction::Rebalance if task.is_classification() => {
            adjust(Adjustment::RebalanceClasses)
        }
        RequestAction::Rebalance => Err("rebalancing applies to classification only".into()),
        RequestAction::SetThreshold => Ok(Some(Request::Threshold {
            threshold: said_threshold(answer.threshold, &lower, task)?,
        })),
        RequestAction::WhatIf => {
            let column = answer.column.ok_or("what_if needs a column")?;
            let value = answer.value.ok_or("what_if needs a value")?;
            checked_columns(vec![column.clone()])?;
            if !text.to_lowercase().contains(&value.to_lowercase()) {
                return Err(format!("the request does not say `{value}`"));
            }
            Ok(Some(Request::WhatIf { column, value }))
        }
    }
}

/// The metric a model's answer names, when it applies to the task and the request names it
/// too (its name, its words, or the goal's rules reading it).
fn named_metric(metric: Option<&str>, text: &str, task: Task) -> Result<Metric, String> {
    let m: Metric = metric
        .ok_or("change_metric needs a metric")?
        .parse()
        .map_err(|e: mlpilot_core::Error| e.to_string())?;
    if !m.applies_to(task) {
        return Err(format!(
            "{} does not apply to a {task} task",
            m.display_name()
        ));
    }
    let lower = text.to_lowercase();
    if !lower.contains(&m.as_str().replace('_', " "))
        && metric_in_goal(&lower, task) != Some(m)
        && !lower.contains(&m.display_name().to_lowercase())
    {
        return Err(format!("the request does not name {}", m.display_name()));
    }
    Ok(m)
}

/// The threshold a model's answer gives, when the request says it (as a share or a
/// percentage) and the task is binary.
fn said_threshold(threshold: Option<f64>, lower: &str, task: Task) -> Result<f64, String> {
    let t = threshold.ok_or("set_threshold needs a threshold")?;
    if !numbers(lower)
        .iter()
        .any(|n| (n - t).abs() < 1e-9 || (n / 100.0 - t).abs() < 1e-9)
    {
        return Err(format!("the request does not say {t}"));
    }
    if task != Task::Binary || !(t > 0.0 && t < 1.0) {
        return Err(format!("{t} is not a threshold for this task"));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlpilot_core::ColumnKind;
    use mlpilot_core::profile::{ColumnProfile, ValueCount};

    fn profile() -> DatasetProfile {
        let col = |name: &str, kind: ColumnKind, values: &[&str]| {
            let mut c: ColumnProfile = serde_json::from_value(serde_json::json!({
                "name": name, "kind": kind.as_str(), "dtype": "str", "missing": 0,
                "why": {"Labels": {"distinct": values.len(), "examples": []}},
                "missing_fraction": 0.0, "distinct": values.len(), "top_values": [],
                "numeric": null, "text": null, "datetime": null
            }))
            .expect("a column profile");
            c.top_values = values
                .iter()
                .map(|v| ValueCount {
                    value: (*v).into(),
                    count: 1,
                })
                .collect();
            c
        };
        let mut p: DatasetProfile = serde_json::from_value(serde_json::json!({
            "source": "t", "n_rows": 100, "n_cols": 5, "duplicate_rows": 0, "columns": [],
            "relations": [], "target": null, "notes": [], "suggestions": {"target": null, "preprocessing": []}
        }))
        .expect("a profile");
        p.columns = vec![
            col("pclass", ColumnKind::Integer, &[]),
            col("sex", ColumnKind::Categorical, &["male", "female"]),
            col("age", ColumnKind::Float, &[]),
            col("sibsp", ColumnKind::Integer, &[]),
            col("survived", ColumnKind::Boolean, &["0", "1"]),
        ];
        p
    }

    fn parse(t: &str) -> Option<Request> {
        parse_request(t, &profile(), "survived", Task::Binary)
    }

    #[test]
    fn each_request_becomes_its_action() {
        assert_eq!(
            parse("leave out sibsp"),
            Some(Request::Adjust {
                adjustment: Adjustment::ExcludeColumns {
                    columns: vec!["sibsp".into()]
                }
            })
        );
        assert_eq!(
            parse("please exclude `age` and sibsp"),
            Some(Request::Adjust {
                adjustment: Adjustment::ExcludeColumns {
                    columns: vec!["age".into(), "sibsp".into()]
                }
            })
        );
        assert_eq!(
            parse("bring back age"),
            Some(Request::Adjust {
                adjustment: Adjustment::IncludeColumns {
                    columns: vec!["age".into()]
                }
            })
        );
        assert_eq!(
            parse("optimise recall"),
            Some(Request::Adjust {
                adjustment: Adjustment::ChangeMetric {
                    metric: Metric::Recall
                }
            })
        );
        assert_eq!(
            parse("only trees"),
            Some(Request::Adjust {
                adjustment: Adjustment::RestrictModels {
                    models: vec!["tree".into(), "forest".into(), "boosting".into()]
                }
            })
        );
        assert_eq!(
            parse("try all models again"),
            Some(Request::Adjust {
                adjustment: Adjustment::RestrictModels { models: vec![] }
            })
        );
        assert_eq!(
            parse("spend two minutes"),
            Some(Request::Adjust {
                adjustment: Adjustment::RaiseBudget { seconds: 120.0 }
            })
        );
        assert_eq!(
            parse("search for 45 seconds"),
            Some(Request::Adjust {
                adjustment: Adjustment::RaiseBudget { seconds: 45.0 }
            })
        );
        assert_eq!(
            parse("rebalance the classes"),
            Some(Request::Adjust {
                adjustment: Adjustment::RebalanceClasses
            })
        );
        assert_eq!(
            parse("set the threshold to 0.3"),
            Some(Request::Threshold { threshold: 0.3 })
        );
        assert_eq!(
            parse("what if age were 40?"),
            Some(Request::WhatIf {
                column: "age".into(),
                value: "40".into()
            })
        );
        assert_eq!(
            parse("what if sex was female"),
            Some(Request::WhatIf {
                column: "sex".into(),
                value: "female".into()
            })
        );
        assert_eq!(parse("please try new features"), Some(Request::Features));
        assert_eq!(parse("why is the model not better?"), None);
        assert_eq!(parse("which inputs matter?"), None);
    }

    #[test]
    fn what_cannot_be_done_is_said_honestly() {
        let Some(Request::Cannot { why }) = parse("leave out female") else {
            panic!()
        };
        assert!(why.contains("`female` is a value of `sex`"), "{why}");
        let Some(Request::Cannot { why }) = parse("drop the column colour") else {
            panic!()
        };
        assert!(why.contains("no column is called `colour`"), "{why}");
        assert_eq!(
            parse("treat pclass as categorical"),
            Some(Request::Adjust {
                adjustment: Adjustment::AddTransform {
                    column: "pclass".into(),
                    transform: Transform::AsCategories
                }
            })
        );
        assert_eq!(
            parse("add age divided by sibsp"),
            Some(Request::Adjust {
                adjustment: Adjustment::AddTransform {
                    column: "age".into(),
                    transform: Transform::Ratio {
                        denominator: "sibsp".into()
                    }
                }
            })
        );
        let Some(Request::Cannot { why }) = parse("treat age as a date") else {
            panic!()
        };
        assert!(why.contains("I can leave out"), "{why}");
        let Some(Request::Cannot { why }) = parse("optimise happiness") else {
            panic!()
        };
        assert!(why.contains("no metric"), "{why}");
        let Some(Request::Cannot { .. }) =
            parse_request("rebalance", &profile(), "age", Task::Regression)
        else {
            panic!()
        };
        let Some(Request::Cannot { .. }) = parse("threshold 7000") else {
            panic!()
        };
        // The target is not an input to leave out.
        let Some(Request::Cannot { .. }) = parse("leave out survived") else {
            panic!()
        };
    }

    #[test]
    fn a_models_reading_is_checked_against_the_text_and_the_table() {
        let p = profile();
        let read =
            |v: serde_json::Value, t: &str| request_from_json(&v, t, &p, "survived", Task::Binary);
        let j = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert_eq!(
            read(
                j(r#"{"action": "leave_out", "columns": ["pclass"]}"#),
                "get rid of the ticket class column"
            ),
            Ok(Some(Request::Adjust {
                adjustment: Adjustment::ExcludeColumns {
                    columns: vec!["pclass".into()]
                }
            }))
        );
        // A column the request does not name is refused (a small model over-picks).
        assert!(
            read(
                j(r#"{"action": "leave_out", "columns": ["age"]}"#),
                "get rid of the ticket class column"
            )
            .is_err()
        );
        assert!(
            read(
                j(r#"{"action": "leave_out", "columns": ["survived"]}"#),
                "drop survived"
            )
            .is_err()
        );
        assert!(
            read(
                j(r#"{"action": "change_metric", "metric": "r2"}"#),
                "use r2"
            )
            .is_err()
        );
        assert!(
            read(
                j(r#"{"action": "set_threshold", "threshold": 3}"#),
                "cut at 3"
            )
            .is_err()
        );
        assert_eq!(read(j(r#"{"action": "question"}"#), "why?"), Ok(None));
        assert_eq!(
            read(
                j(r#"{"action": "what_if", "column": "age", "value": "40"}"#),
                "and for a 40 year old, by age?"
            ),
            Ok(Some(Request::WhatIf {
                column: "age".into(),
                value: "40".into()
            }))
        );
    }

    #[test]
    fn questions_negations_and_second_thoughts_are_not_misread() {
        for q in [
            "why did you drop parch?",
            "why did the accuracy drop so much?",
            "which features include the most information?",
            "does the model include sex?",
            "I suppose the model is fine",
            "what is the budget so far?",
            "do not drop age",
            "don't remove sex",
            "take sex out of the model",
            "use only nonlinear models",
        ] {
            let r = parse(q);
            assert!(!matches!(r, Some(Request::Adjust { .. })), "{q}: {r:?}");
        }
        assert_eq!(
            parse("leave out age and keep sex"),
            Some(Request::Adjust {
                adjustment: Adjustment::ExcludeColumns {
                    columns: vec!["age".into()]
                }
            })
        );
        assert_eq!(
            parse("optimise for f1 rather than accuracy"),
            Some(Request::Adjust {
                adjustment: Adjustment::ChangeMetric { metric: Metric::F1 }
            })
        );
        assert_eq!(
            parse("maximise recall, not precision"),
            Some(Request::Adjust {
                adjustment: Adjustment::ChangeMetric {
                    metric: Metric::Recall
                }
            })
        );
        let Some(Request::Adjust {
            adjustment: Adjustment::RaiseBudget { seconds },
        }) = parse("search a bit longer")
        else {
            panic!()
        };
        assert!(seconds.is_nan(), "twice the budget, not one second");
        assert_eq!(
            parse("set the threshold to 0.2."),
            Some(Request::Threshold { threshold: 0.2 })
        );
        assert_eq!(
            parse("train for 45 seconds."),
            Some(Request::Adjust {
                adjustment: Adjustment::RaiseBudget { seconds: 45.0 }
            })
        );
    }

    #[test]
    fn a_unit_in_brackets_need_not_be_said() {
        let mut p = profile();
        p.columns[2].name = "sepal length (cm)".into();
        assert_eq!(
            parse_request("leave out sepal length", &p, "survived", Task::Binary),
            Some(Request::Adjust {
                adjustment: Adjustment::ExcludeColumns {
                    columns: vec!["sepal length (cm)".into()]
                }
            })
        );
    }

    #[test]
    fn a_models_reading_of_a_question_or_of_words_it_lacks_is_refused() {
        let p = profile();
        let read = |v: &str, t: &str| {
            request_from_json(
                &serde_json::from_str::<serde_json::Value>(v).unwrap(),
                t,
                &p,
                "survived",
                Task::Binary,
            )
        };
        assert_eq!(
            read(
                r#"{"action": "set_budget", "seconds": 60}"#,
                "why is the model not better?"
            ),
            Ok(None)
        );
        assert!(read(r#"{"action": "set_budget", "seconds": 60}"#, "make it good").is_err());
        assert!(read(r#"{"action": "rebalance"}"#, "make it good").is_err());
        assert!(read(r#"{"action": "all_families"}"#, "make it good").is_err());
        assert!(
            read(
                r#"{"action": "set_threshold", "threshold": 0.3}"#,
                "be stricter"
            )
            .is_err()
        );
        assert!(
            read(
                r#"{"action": "set_threshold", "threshold": 0.3}"#,
                "cut at 30%"
            )
            .is_ok()
        );
    }
}
