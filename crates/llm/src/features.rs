//! Features the assistant proposes and the engine proves (CAAFE's idea, without running
//! generated code): typed transforms — ratios, products, differences, bins, group means (of
//! the inputs, never the target), text lengths and word counts, codes read as categories —
//! proposed from the column names and the profile, by rules offline and by a language model
//! (its proposals checked against the table). The engine tries each on the same folds and
//! keeps it only when validation improves beyond noise.

use mlpilot_core::advisor::Transform;
use mlpilot_core::profile::{ColumnProfile, RelationMeasure};
use mlpilot_core::{Adjustment, ColumnKind, DatasetProfile, Proposal};
use serde_json::Value;

use crate::answers::{FeatureAnswer, FeatureKind};
use crate::goal::stems;

fn numeric(c: &ColumnProfile) -> bool {
    matches!(c.kind, ColumnKind::Integer | ColumnKind::Float)
}

/// Words too common in column names to relate two columns.
const GENERIC: [&str; 8] = ["of", "the", "num", "n", "no", "number", "count", "total"];

fn proposal(column: &str, transform: Transform, reason: String) -> Proposal {
    Proposal {
        adjustment: Adjustment::AddTransform {
            column: column.to_string(),
            transform,
        },
        reason,
    }
}

/// The rules' proposals for a table, at most `max`, strongest idea first.
pub fn rule_features(profile: &DatasetProfile, target: &str, max: usize) -> Vec<Proposal> {
    let inputs: Vec<&ColumnProfile> = profile
        .columns
        .iter()
        .filter(|c| c.name != target)
        .collect();
    let nums: Vec<&ColumnProfile> = inputs.iter().copied().filter(|c| numeric(c)).collect();
    let mut out = Vec::new();
    ratio_proposals(&nums, &mut out);
    difference_proposals(profile, target, &mut out);
    group_mean_proposal(&inputs, &nums, &mut out);
    code_proposals(&nums, &mut out);
    band_proposals(&nums, &mut out);
    text_proposals(&inputs, &mut out);
    out.truncate(max);
    out
}

/// Two amounts named alike: their ratio (rooms per household, debt per income).
fn ratio_proposals(nums: &[&ColumnProfile], out: &mut Vec<Proposal>) {
    for (i, a) in nums.iter().enumerate() {
        for b in nums.iter().skip(i + 1) {
            let wa = stems(&a.name);
            let wb = stems(&b.name);
            let shared: Vec<&String> = wa
                .iter()
                .filter(|w| wb.contains(w) && !GENERIC.contains(&w.as_str()))
                .collect();
            let positive = b.numeric.as_ref().is_some_and(|n| n.min > 0.0);
            if let (Some(word), true) = (shared.first(), positive) {
                out.push(proposal(
                    &a.name,
                    Transform::Ratio {
                        denominator: b.name.clone(),
                    },
                    format!(
                        "`{}` and `{}` both measure {word}; their ratio puts one in the scale of the other",
                        a.name, b.name
                    ),
                ));
            }
        }
    }
}

/// Strongly related numbers: what one adds beyond the other.
fn difference_proposals(profile: &DatasetProfile, target: &str, out: &mut Vec<Proposal>) {
    let mut related: Vec<_> = profile
        .relations
        .iter()
        .filter(|r| r.measure == RelationMeasure::Pearson && r.value.abs() >= 0.6)
        .filter(|r| r.a != target && r.b != target)
        .collect();
    related.sort_by(|x, y| y.value.abs().total_cmp(&x.value.abs()));
    for r in related.into_iter().take(2) {
        out.push(proposal(
            &r.a,
            Transform::Difference { other: r.b.clone() },
            format!(
                "`{}` and `{}` move together; their difference isolates what one says beyond the other",
                r.a, r.b
            ),
        ));
    }
}

/// A number within its group: the group's mean of it.
fn group_mean_proposal(
    inputs: &[&ColumnProfile],
    nums: &[&ColumnProfile],
    out: &mut Vec<Proposal>,
) {
    if let Some(g) = inputs
        .iter()
        .find(|c| c.kind == ColumnKind::Categorical && (3..=50).contains(&c.distinct))
        && let Some(x) = nums.iter().max_by(|a, b| {
            let s = |c: &ColumnProfile| {
                c.numeric
                    .as_ref()
                    .map_or(0.0, |n| n.std / (n.mean.abs() + 1e-9))
            };
            s(a).total_cmp(&s(b))
        })
    {
        out.push(proposal(
            &x.name,
            Transform::GroupMean {
                group: g.name.clone(),
            },
            format!(
                "the mean `{}` of each `{}` says what is usual for a row's group",
                x.name, g.name
            ),
        ));
    }
}

/// A code written as a number that names a class.
fn code_proposals(nums: &[&ColumnProfile], out: &mut Vec<Proposal>) {
    for c in nums {
        let code_name = stems(&c.name).iter().any(|w| {
            matches!(
                w.as_str(),
                "class"
                    | "code"
                    | "type"
                    | "level"
                    | "grade"
                    | "zone"
                    | "region"
                    | "category"
                    | "group"
            )
        });
        if code_name && (3..=12).contains(&c.distinct) {
            out.push(proposal(
                &c.name,
                Transform::AsCategories,
                format!(
                    "`{}` has {} values and a name that says it is a class: as categories, each value gets its own effect",
                    c.name, c.distinct
                ),
            ));
        }
    }
}

/// Ages and years: bands.
fn band_proposals(nums: &[&ColumnProfile], out: &mut Vec<Proposal>) {
    for c in nums {
        if stems(&c.name)
            .iter()
            .any(|w| matches!(w.as_str(), "age" | "year"))
            && c.distinct > 10
        {
            out.push(proposal(
                &c.name,
                Transform::Bins { count: 5 },
                format!(
                    "`{}` in five bands of equal size, for effects that jump between ages or eras",
                    c.name
                ),
            ));
        }
    }
}

/// Free text: its length and word count.
fn text_proposals(inputs: &[&ColumnProfile], out: &mut Vec<Proposal>) {
    for c in inputs.iter().filter(|c| c.kind == ColumnKind::Text) {
        out.push(proposal(
            &c.name,
            Transform::WordCount,
            format!(
                "how much a person wrote in `{}` can matter as much as what",
                c.name
            ),
        ));
    }
}

/// The JSON schema a language model proposes features with: derived from the answer's type
/// (`kind` is one of the kinds [`feature_from_json`] reads), with `column` and `other` limited
/// to the table's input columns.
pub fn features_schema(profile: &DatasetProfile, target: &str) -> Value {
    let cols: Vec<&str> = profile
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|c| *c != target)
        .collect();
    let mut schema = crate::answers::list_schema::<FeatureAnswer>("features");
    crate::answers::restrict(&mut schema, &["features", "column"], &cols);
    crate::answers::restrict(&mut schema, &["features", "other"], &cols);
    crate::answers::require(&mut schema, &["features"], "reason");
    schema
}

/// A language model's proposed feature, checked against the table.
///
/// # Errors
/// Why it was refused, in words.
pub fn feature_from_json(
    v: &Value,
    profile: &DatasetProfile,
    target: &str,
) -> Result<Proposal, String> {
    let answer: FeatureAnswer = crate::answers::parse(v, "a feature")?;
    let kind = answer.kind.as_str();
    let column = answer.column.as_str();
    let col = profile
        .column(column)
        .filter(|c| c.name != target)
        .ok_or_else(|| format!("`{column}` is not an input column"))?;
    let other = || -> Result<&ColumnProfile, String> {
        let o = answer
            .other
            .as_deref()
            .ok_or_else(|| format!("{kind} needs a second column"))?;
        let oc = profile
            .column(o)
            .filter(|c| c.name != target && c.name != column)
            .ok_or_else(|| format!("`{o}` is not another input column"))?;
        if !numeric(oc) {
            return Err(format!("`{o}` is not numeric"));
        }
        Ok(oc)
    };
    let need_numeric = || {
        if numeric(col) {
            Ok(())
        } else {
            Err(format!("`{column}` is not numeric"))
        }
    };
    let transform = match answer.kind {
        FeatureKind::Ratio => {
            need_numeric()?;
            Transform::Ratio {
                denominator: other()?.name.clone(),
            }
        }
        FeatureKind::Product => {
            need_numeric()?;
            Transform::Product {
                other: other()?.name.clone(),
            }
        }
        FeatureKind::Difference => {
            need_numeric()?;
            Transform::Difference {
                other: other()?.name.clone(),
            }
        }
        FeatureKind::Bins => {
            need_numeric()?;
            Transform::Bins { count: 5 }
        }
        FeatureKind::GroupMean => {
            need_numeric()?;
            let g = answer
                .other
                .as_deref()
                .ok_or("group_mean needs a group column")?;
            let gc = profile
                .column(g)
                .filter(|c| {
                    c.name != target
                        && matches!(c.kind, ColumnKind::Categorical | ColumnKind::Boolean)
                })
                .ok_or_else(|| format!("`{g}` is not a group column"))?;
            Transform::GroupMean {
                group: gc.name.clone(),
            }
        }
        FeatureKind::TextLength | FeatureKind::WordCount if col.kind != ColumnKind::Text => {
            return Err(format!("`{column}` is not free text"));
        }
        FeatureKind::TextLength => Transform::TextLength,
        FeatureKind::WordCount => Transform::WordCount,
        FeatureKind::AsCategories if numeric(col) && col.distinct <= 50 => Transform::AsCategories,
        FeatureKind::AsCategories => {
            return Err(format!("`{column}` is not a numeric code with few values"));
        }
    };
    let reason: String = answer.reason.chars().take(200).collect();
    Ok(Proposal {
        adjustment: Adjustment::AddTransform {
            column: column.to_string(),
            transform,
        },
        reason,
    })
}
