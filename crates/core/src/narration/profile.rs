//! The profile's sentences: why a column has its kind, why a column looks like the target,
//! what looks like a copy of the target, and what to check about its labels.

use crate::facts::{
    KindFact, LeakageFact, NotNumbers, NumberReading, TargetChoiceFact, TargetName, TargetWarning,
    TaskFact,
};
use crate::profile::ValueCount;
use crate::task::thousands;
use crate::{ColumnKind, DatasetProfile};

/// Up to `n` values, each in backticks, comma-separated.
fn quote_list(values: &[String], n: usize) -> String {
    values
        .iter()
        .take(n)
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "; 2 non-numeric values (`n/a`, `?`) treated as missing", or nothing.
fn not_numbers(n: Option<&NotNumbers>) -> String {
    n.map_or_else(String::new, |n| {
        format!(
            "; {} non-numeric value{} ({}) treated as missing",
            thousands(n.count),
            if n.count == 1 { "" } else { "s" },
            quote_list(&n.examples, 3)
        )
    })
}

/// Marks for no value in a target of labels, read as missing: "target `y`: 3 marks for no
/// value (`n/a`, `?`, `-`) were read as missing; their rows are left out".
pub fn target_no_label(target: &str, n: &NotNumbers) -> String {
    target_left_out(target, n, ("mark for no value", "marks for no value"))
}

/// Stray words in a target of numbers, read as missing: "target `y`: 6 values that are not
/// numbers (`n/a`, `?`) were read as missing; their rows are left out".
pub fn target_not_numbers(target: &str, n: &NotNumbers) -> String {
    target_left_out(
        target,
        n,
        ("value that is not a number", "values that are not numbers"),
    )
}

/// A target's values read as missing, named by `what` (one, many), with their rows left out.
fn target_left_out(target: &str, n: &NotNumbers, what: (&str, &str)) -> String {
    let one = n.count == 1;
    format!(
        "target `{target}`: {} {} ({}) {} read as missing; {} left out",
        thousands(n.count),
        if one { what.0 } else { what.1 },
        quote_list(&n.examples, 3),
        if one { "was" } else { "were" },
        if one { "its row is" } else { "their rows are" }
    )
}

/// Why a column was read as its kind, in one line ("1,309 distinct values in 1,309 rows,
/// median length 38 → text"), after the reader's conversion when there was one ("decimal
/// commas (`12,5`) in a `;`-separated file; decimal numbers, 40 distinct → float").
pub fn column_kind(fact: &KindFact, read_as: Option<&NumberReading>) -> String {
    let why = kind_reason(fact);
    match read_as {
        Some(r) => format!("{}; {why}", number_reading(r)),
        None => why,
    }
}

/// How the reader turned a text column into numbers ("decimal commas (`12,5`) in a
/// `;`-separated file").
pub fn number_reading(r: &NumberReading) -> String {
    format!(
        "{} (`{}`){}",
        r.style.describe(),
        r.example,
        if r.semicolon_file {
            " in a `;`-separated file"
        } else {
            ""
        }
    )
}

fn kind_reason(fact: &KindFact) -> String {
    match fact {
        KindFact::AllMissing { rows } => {
            format!("all {} values are missing → constant", thousands(*rows))
        }
        KindFact::OneValue {
            value,
            present,
            missing,
        } => {
            let miss = if *missing > 0 {
                format!(" (and {} missing)", thousands(*missing))
            } else {
                String::new()
            };
            format!(
                "one value, `{value}`, in all {} present rows{miss} → constant",
                thousands(*present)
            )
        }
        KindFact::StoredBoolean => "stored as true/false → boolean".into(),
        KindFact::TwoValues {
            a,
            b,
            not_numbers: n,
        } => format!(
            "two values, `{a}` and `{b}` → boolean{}",
            not_numbers(n.as_ref())
        ),
        KindFact::StoredTimestamps => "stored as timestamps → datetime".into(),
        KindFact::Dates { share, example } => format!(
            "{:.0}% of values are dates like `{example}` → datetime",
            share * 100.0
        ),
        KindFact::NumberedRows {
            distinct,
            present,
            monotone,
        } => format!(
            "{} distinct whole numbers in {} rows, {} → identifier",
            thousands(*distinct),
            thousands(*present),
            if *monotone {
                "monotone"
            } else {
                "named like an id"
            }
        ),
        KindFact::WholeNumbers {
            distinct,
            not_numbers: n,
        } => format!(
            "whole numbers, {} distinct → integer{}",
            thousands(*distinct),
            not_numbers(n.as_ref())
        ),
        KindFact::DecimalNumbers {
            distinct,
            not_numbers: n,
        } => format!(
            "decimal numbers, {} distinct → float{}",
            thousands(*distinct),
            not_numbers(n.as_ref())
        ),
        KindFact::LongText {
            distinct,
            present,
            median_length,
        } => format!(
            "{} distinct values in {} rows, median length {median_length:.0} → text",
            thousands(*distinct),
            thousands(*present),
        ),
        KindFact::UniqueLabels {
            distinct,
            present,
            median_length,
        } => format!(
            "{} distinct values in {} rows, short (median length {median_length:.0}) → identifier",
            thousands(*distinct),
            thousands(*present),
        ),
        KindFact::Labels { distinct, examples } => format!(
            "{} distinct labels such as {} → categorical",
            thousands(*distinct),
            quote_list(examples, 3)
        ),
        KindFact::CodesAsAsked { distinct } => format!(
            "{} distinct codes, read as categories as asked → categorical",
            thousands(*distinct)
        ),
    }
}

/// Why a target implies its task ("the target has two labels → binary classification").
pub fn task_reason(fact: TaskFact) -> String {
    match fact {
        TaskFact::TwoValues => "the target has two values → binary classification".into(),
        TaskFact::TwoLabels => "the target has two labels → binary classification".into(),
        TaskFact::Labels { count } => format!(
            "the target has {} labels → multiclass classification",
            thousands(count)
        ),
        TaskFact::SmallWholeNumbers { count } => {
            format!("the target is one of {count} small whole numbers → multiclass classification")
        }
        TaskFact::ManyNumbers => "the target is a number with many values → regression".into(),
    }
}

/// Why a column is suggested as the target ("it is named `survived` and it is the last
/// column; the target has two values → binary classification").
pub fn target_choice(fact: &TargetChoiceFact) -> String {
    let mut why = Vec::new();
    match fact.name {
        TargetName::Usual => why.push(format!("it is named `{}`", fact.column)),
        TargetName::Common => why.push(format!(
            "its name `{}` is a common target name",
            fact.column
        )),
        TargetName::Plain => {}
    }
    if fact.last_column {
        why.push("it is the last column".to_string());
    }
    let task = task_reason(fact.task);
    if why.is_empty() {
        format!(
            "no column has a target-like name or position; `{}` is a plausible outcome; {task}",
            fact.column
        )
    } else {
        format!("{}; {task}", why.join(" and "))
    }
}

/// Why a feature looks like a copy of the target ("`fare_paid` determines `survived` almost
/// exactly (Cramér's V 0.991, 97% of the target's information) — check it is known before the
/// outcome").
pub fn leakage(fact: &LeakageFact) -> String {
    format!(
        "`{}` determines `{}` almost exactly ({} {:.3}, {:.0}% of the target's information) — check it is known before the outcome",
        fact.feature,
        fact.target,
        fact.measure.display_name(),
        fact.value,
        100.0 * fact.information_share
    )
}

/// `` `yes` (412), `Yes` (18)``.
fn counted(values: &[ValueCount]) -> String {
    values
        .iter()
        .map(|c| format!("`{}` ({})", c.value, thousands(c.count)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What to check about the target, in one sentence with the counts.
pub fn target_warning(w: &TargetWarning) -> String {
    match w {
        TargetWarning::LabelSpellings { target, spellings } => format!(
            "target `{target}`: labels that differ only in case or spaces: {} — if they mean the \
             same, pass --merge-labels to train one class (spelled `{}`)",
            counted(spellings),
            spellings.first().map_or("", |c| c.value.as_str())
        ),
        TargetWarning::NotNumbers {
            target,
            not_numbers,
        } => target_not_numbers(target, not_numbers),
        TargetWarning::RareClasses {
            target,
            rare,
            total,
        } => {
            let list = rare
                .iter()
                .map(|c| {
                    format!(
                        "`{}` has {} of {} rows ({:.2}%)",
                        c.value,
                        thousands(c.count),
                        thousands(*total),
                        100.0 * c.count as f64 / (*total).max(1) as f64
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            format!(
                "target `{target}`: extreme imbalance — {list}; a model can rank these rows well \
                 and still never predict the class at the usual 0.5 cut-off, and validation \
                 scores on so few rows are uncertain"
            )
        }
    }
}

/// The note when relations were measured on a sample of rows.
pub fn sampled_relations(measured: usize, rows: usize) -> String {
    format!(
        "relations were measured on {} evenly spaced rows of {}",
        thousands(measured),
        thousands(rows)
    )
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
            super::percent(c.missing, p.n_rows)
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
            super::percent(p.duplicate_rows, p.n_rows)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numbers::NumberStyle;
    use crate::profile::RelationMeasure;

    #[test]
    fn marks_for_no_value_in_a_target_of_labels_say_what_was_left_out() {
        let n = NotNumbers {
            count: 3,
            examples: vec!["n/a".into(), "?".into(), "-".into()],
        };
        assert_eq!(
            target_no_label("y", &n),
            "target `y`: 3 marks for no value (`n/a`, `?`, `-`) were read as missing; their \
             rows are left out"
        );
        let one = NotNumbers {
            count: 1,
            examples: vec!["?".into()],
        };
        assert_eq!(
            target_no_label("y", &one),
            "target `y`: 1 mark for no value (`?`) was read as missing; its row is left out"
        );
    }

    #[test]
    fn stray_words_in_a_target_say_what_was_left_out() {
        let one = NotNumbers {
            count: 1,
            examples: vec!["?".into()],
        };
        assert_eq!(
            target_not_numbers("y", &one),
            "target `y`: 1 value that is not a number (`?`) was read as missing; its row is left out"
        );
        let many = NotNumbers {
            count: 1200,
            examples: vec!["n/a".into(), "-".into(), "none".into()],
        };
        assert_eq!(
            target_not_numbers("price", &many),
            "target `price`: 1,200 values that are not numbers (`n/a`, `-`, `none`) were read \
             as missing; their rows are left out"
        );
    }

    #[test]
    fn kind_reasons_carry_their_numbers() {
        let f = KindFact::WholeNumbers {
            distinct: 1309,
            not_numbers: Some(NotNumbers {
                count: 2,
                examples: vec!["n/a".into(), "?".into()],
            }),
        };
        assert_eq!(
            column_kind(&f, None),
            "whole numbers, 1,309 distinct → integer; 2 non-numeric values (`n/a`, `?`) treated as missing"
        );
        let read = NumberReading {
            style: NumberStyle {
                decimal: ',',
                group: None,
            },
            example: "12,5".into(),
            semicolon_file: true,
        };
        let f = KindFact::DecimalNumbers {
            distinct: 40,
            not_numbers: None,
        };
        assert_eq!(
            column_kind(&f, Some(&read)),
            "decimal commas (`12,5`) in a `;`-separated file; decimal numbers, 40 distinct → float"
        );
        let f = KindFact::OneValue {
            value: "x".into(),
            present: 10,
            missing: 1,
        };
        assert_eq!(
            column_kind(&f, None),
            "one value, `x`, in all 10 present rows (and 1 missing) → constant"
        );
    }

    #[test]
    fn a_target_choice_says_what_named_it() {
        let mut f = TargetChoiceFact {
            column: "survived".into(),
            name: TargetName::Usual,
            last_column: true,
            task: TaskFact::TwoValues,
        };
        assert_eq!(
            target_choice(&f),
            "it is named `survived` and it is the last column; the target has two values → binary classification"
        );
        f.name = TargetName::Plain;
        f.last_column = false;
        assert!(target_choice(&f).starts_with("no column has a target-like name or position"));
    }

    #[test]
    fn warnings_and_leakage_quote_counts() {
        let w = TargetWarning::RareClasses {
            target: "y".into(),
            rare: vec![ValueCount {
                value: "fraud".into(),
                count: 5,
            }],
            total: 200,
        };
        assert!(target_warning(&w).contains("`fraud` has 5 of 200 rows (2.50%)"));
        let l = LeakageFact {
            feature: "paid".into(),
            target: "y".into(),
            measure: RelationMeasure::CramersV,
            value: 0.9912,
            information_share: 0.97,
        };
        assert!(leakage(&l).contains("(Cramér's V 0.991, 97% of the target's information)"));
    }
}
