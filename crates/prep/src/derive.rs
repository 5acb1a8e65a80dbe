//! Derived input columns that refinements add (`log1p(income)`, `debt / income`). They are the
//! first step of a fitted pipeline ([`crate::FittedPipeline`]): the pipeline computes them from
//! the raw columns whenever it transforms a table, so training, prediction, serving and
//! explanations see the same values.

use mlpilot_core::facts::{Derivation, FitFact};
use mlpilot_core::{Column, Error, Frame, Result, narration};
use serde::{Deserialize, Serialize};

/// A column computed from others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Derived {
    /// `log1p(column)`, for a non-negative numeric column (negative values become missing).
    Log1p {
        /// The source column.
        column: String,
    },
    /// `numerator / denominator` (division by zero gives a missing value).
    Ratio {
        /// The numerator column.
        numerator: String,
        /// The denominator column.
        denominator: String,
    },
    /// `a × b`.
    Product {
        /// The first column.
        a: String,
        /// The second column.
        b: String,
    },
    /// `a − b`.
    Difference {
        /// The first column.
        a: String,
        /// The column subtracted.
        b: String,
    },
    /// The bin of a numeric column, as a label, by fixed edges (fitted once on the inputs).
    Bins {
        /// The source column.
        column: String,
        /// Inner edges, ascending: bin `i` holds values below `edges[i]`.
        edges: Vec<f64>,
    },
    /// The mean of `column` within the row's level of `group`, as fitted on the inputs (a level
    /// not seen then gives a missing value).
    GroupMean {
        /// The grouping column.
        group: String,
        /// The averaged numeric column.
        column: String,
        /// Each level's mean.
        means: Vec<(String, f64)>,
    },
    /// Characters in a text column.
    TextLength {
        /// The text column.
        column: String,
    },
    /// Words in a text column.
    WordCount {
        /// The text column.
        column: String,
    },
    /// The column's values as category labels.
    AsCategories {
        /// The source column.
        column: String,
    },
    /// The column's values as numbers (a value that is no number is missing).
    AsNumber {
        /// The source column.
        column: String,
    },
}

impl Derived {
    /// The new column's name.
    pub fn name(&self) -> String {
        match self {
            Derived::Log1p { column } => format!("log1p({column})"),
            Derived::Ratio {
                numerator,
                denominator,
            } => format!("{numerator}/{denominator}"),
            Derived::Product { a, b } => format!("{a}*{b}"),
            Derived::Difference { a, b } => format!("{a}-{b}"),
            Derived::Bins { column, .. } => format!("bin({column})"),
            Derived::GroupMean { group, column, .. } => format!("mean({column}|{group})"),
            Derived::TextLength { column } => format!("length({column})"),
            Derived::WordCount { column } => format!("words({column})"),
            Derived::AsCategories { column } => format!("{column} (categories)"),
            Derived::AsNumber { column } => format!("{column} (number)"),
        }
    }

    /// The raw columns it is computed from.
    pub fn sources(&self) -> Vec<&str> {
        match self {
            Derived::Log1p { column }
            | Derived::Bins { column, .. }
            | Derived::TextLength { column }
            | Derived::WordCount { column }
            | Derived::AsCategories { column }
            | Derived::AsNumber { column } => vec![column],
            Derived::Ratio {
                numerator,
                denominator,
            } => vec![numerator, denominator],
            Derived::Product { a, b } | Derived::Difference { a, b } => vec![a, b],
            Derived::GroupMean { group, column, .. } => vec![group, column],
        }
    }

    /// The raw columns read when the column is computed: the sources, except that a group mean
    /// reads only its group (the means were fitted once).
    pub fn reads(&self) -> Vec<&str> {
        match self {
            Derived::GroupMean { group, .. } => vec![group],
            _ => self.sources(),
        }
    }

    /// How it is computed, as a fact ([`mlpilot_core::narration::derivation`] says it).
    pub fn derivation(&self) -> Derivation {
        let column = |c: &str| c.to_string();
        match self {
            Derived::Log1p { column: c } => Derivation::Log1p { column: column(c) },
            Derived::Ratio {
                numerator,
                denominator,
            } => Derivation::Ratio {
                numerator: numerator.clone(),
                denominator: denominator.clone(),
            },
            Derived::Product { a, b } => Derivation::Product {
                a: a.clone(),
                b: b.clone(),
            },
            Derived::Difference { a, b } => Derivation::Difference {
                a: a.clone(),
                b: b.clone(),
            },
            Derived::Bins { column: c, edges } => Derivation::Bins {
                column: column(c),
                bins: edges.len() + 1,
            },
            Derived::GroupMean {
                group,
                column: c,
                means,
            } => Derivation::GroupMean {
                group: group.clone(),
                column: column(c),
                levels: means.len(),
            },
            Derived::TextLength { column: c } => Derivation::TextLength { column: column(c) },
            Derived::WordCount { column: c } => Derivation::WordCount { column: column(c) },
            Derived::AsCategories { column: c } => Derivation::AsCategories { column: column(c) },
            Derived::AsNumber { column: c } => Derivation::AsNumber { column: column(c) },
        }
    }

    /// What it is, in one sentence ("Computed `debt/income` = `debt` divided by `income`, …").
    pub fn describe(&self) -> String {
        let name = self.name();
        narration::fitted_step(
            &name.clone(),
            &FitFact::Derived {
                name,
                how: self.derivation(),
            },
        )
    }

    /// Whether its values are labels to read as categories (bins, a column read as categories),
    /// even when they look like numbers.
    pub fn is_categorical(&self) -> bool {
        matches!(self, Derived::Bins { .. } | Derived::AsCategories { .. })
    }

    /// The source column a derived column replaces, when it is a new reading of one column
    /// (the source is then left out of the inputs).
    pub fn replaces(&self) -> Option<&str> {
        match self {
            Derived::AsCategories { column } | Derived::AsNumber { column } => Some(column),
            _ => None,
        }
    }

    /// A derived column for a transform, fitted on `frame`'s inputs where it needs numbers
    /// (bin edges, group means).
    ///
    /// # Errors
    /// When a source column is missing or of the wrong kind, or the transform has nothing to
    /// add (date parts: the preprocessing already splits dates).
    pub fn fit(
        frame: &Frame,
        column: &str,
        transform: &mlpilot_core::advisor::Transform,
    ) -> Result<Derived> {
        use mlpilot_core::advisor::Transform;
        frame.require(column)?;
        let d = match transform {
            Transform::Log => Derived::Log1p {
                column: column.into(),
            },
            Transform::Ratio { denominator } => Derived::Ratio {
                numerator: column.into(),
                denominator: denominator.clone(),
            },
            Transform::Product { other } => Derived::Product {
                a: column.into(),
                b: other.clone(),
            },
            Transform::Difference { other } => Derived::Difference {
                a: column.into(),
                b: other.clone(),
            },
            Transform::Bins { count } => {
                let mut v: Vec<f64> = numeric(frame, column)?.into_iter().flatten().collect();
                v.sort_by(f64::total_cmp);
                let k = (*count).clamp(2, 20);
                let mut edges: Vec<f64> = (1..k)
                    .filter_map(|i| v.get(i * v.len() / k).copied())
                    .collect();
                edges.dedup();
                if edges.is_empty() {
                    return Err(Error::invalid_input(format!(
                        "`{column}` has too few distinct values to bin"
                    )));
                }
                Derived::Bins {
                    column: column.into(),
                    edges,
                }
            }
            Transform::GroupMean { group } => {
                let g = frame.require(group)?;
                let x = numeric(frame, column)?;
                let mut sums: std::collections::BTreeMap<String, (f64, usize)> =
                    std::collections::BTreeMap::new();
                for (i, xi) in x.iter().enumerate() {
                    if let (Some(xi), false) = (xi, g.is_null(i)) {
                        let e = sums.entry(g.value(i).to_string()).or_insert((0.0, 0));
                        e.0 += xi;
                        e.1 += 1;
                    }
                }
                if sums.len() < 2 || sums.len() * 2 > frame.n_rows() {
                    return Err(Error::invalid_input(format!(
                        "`{group}` does not form groups (it has {} levels over {} rows)",
                        sums.len(),
                        frame.n_rows()
                    )));
                }
                Derived::GroupMean {
                    group: group.clone(),
                    column: column.into(),
                    means: sums
                        .into_iter()
                        .map(|(k, (s, n))| (k, s / n as f64))
                        .collect(),
                }
            }
            Transform::TextLength => Derived::TextLength {
                column: column.into(),
            },
            Transform::WordCount => Derived::WordCount {
                column: column.into(),
            },
            Transform::AsCategories => Derived::AsCategories {
                column: column.into(),
            },
            Transform::AsNumber => Derived::AsNumber {
                column: column.into(),
            },
            Transform::DateParts => {
                return Err(Error::invalid_input(
                    "date columns are split into their parts already",
                ));
            }
        };
        // A reading as numbers must find numbers.
        if let Derived::AsNumber { column } = &d {
            let t = texts(frame, column)?;
            let present = t.iter().flatten().count();
            let numbers = t
                .iter()
                .flatten()
                .filter(|v| mlpilot_core::frame::parse_number(v).is_some())
                .count();
            if numbers * 2 <= present {
                return Err(Error::invalid_input(format!(
                    "`{column}` holds words, not numbers ({numbers} of {present} values are numbers); \
                     read it as categories instead"
                ))
                .with_context("column", column));
            }
        }
        // It must apply to the table it was fitted on.
        apply(&frame.head(20), std::slice::from_ref(&d))?;
        Ok(d)
    }
}

fn texts(frame: &Frame, name: &str) -> Result<Vec<Option<String>>> {
    let c = frame.require(name)?;
    Ok((0..c.len())
        .map(|i| (!c.is_null(i)).then(|| c.value(i).to_string()))
        .collect())
}

fn numeric(frame: &Frame, name: &str) -> Result<Vec<Option<f64>>> {
    let c = frame.require(name)?;
    let v = c.to_f64();
    let present = c.len() - c.null_count();
    let numbers = v.iter().filter(|x| x.is_some()).count();
    if present > 0 && numbers * 2 < present {
        return Err(Error::invalid_input(format!(
            "`{name}` is not numeric; a derived column needs numbers"
        ))
        .with_context("column", name));
    }
    Ok(v)
}

/// `f(a, b)` row by row over two numeric columns; missing or non-finite results are missing.
fn pairwise(frame: &Frame, a: &str, b: &str, f: impl Fn(f64, f64) -> f64) -> Result<Vec<f64>> {
    let x = numeric(frame, a)?;
    let y = numeric(frame, b)?;
    Ok(x.into_iter()
        .zip(y)
        .map(|(x, y)| match (x, y) {
            (Some(x), Some(y)) => Some(f(x, y)).filter(|v| v.is_finite()).unwrap_or(f64::NAN),
            _ => f64::NAN,
        })
        .collect())
}

/// Adds the derived columns to a frame, computed from their sources (a column of the same name
/// already in `frame` is replaced).
///
/// # Errors
/// A not-found error when a derived column's source column is not in `frame`, or an
/// invalid-input error when fewer than half the present values of a source that must be numeric
/// are numbers.
pub fn apply(frame: &Frame, derived: &[Derived]) -> Result<Frame> {
    let mut out = frame.clone();
    for d in derived {
        out.remove_column(&d.name());
        out.push_column(compute(frame, d)?)?;
    }
    Ok(out)
}

/// Adds the derived columns a pipeline reads: each is computed from its sources when they are all
/// in `frame`, and otherwise taken from `frame` as it is (a training table that has the column
/// computed already and its source left out).
///
/// # Errors
/// As [`apply`] when a derived column is neither computable nor present (the error names the
/// missing source).
pub fn complete(frame: &Frame, derived: &[Derived]) -> Result<Frame> {
    let mut out = frame.clone();
    for d in derived {
        let computable = d.reads().iter().all(|c| frame.column(c).is_some());
        if !computable && frame.column(&d.name()).is_some() {
            continue;
        }
        out.remove_column(&d.name());
        out.push_column(compute(frame, d)?)?;
    }
    Ok(out)
}

/// One derived column's values over `frame`.
fn compute(frame: &Frame, d: &Derived) -> Result<Column> {
    let name = d.name();
    let floats = |v: Vec<f64>| Column::from_f64(name.clone(), v);
    Ok(match d {
        Derived::Log1p { column } => floats(
            numeric(frame, column)?
                .into_iter()
                .map(|v| {
                    v.filter(|x| *x >= 0.0 && x.is_finite())
                        .map_or(f64::NAN, f64::ln_1p)
                })
                .collect(),
        ),
        Derived::Ratio {
            numerator,
            denominator,
        } => floats(pairwise(frame, numerator, denominator, |x, y| {
            if y != 0.0 { x / y } else { f64::NAN }
        })?),
        Derived::Product { a, b } => floats(pairwise(frame, a, b, |x, y| x * y)?),
        Derived::Difference { a, b } => floats(pairwise(frame, a, b, |x, y| x - y)?),
        Derived::Bins { column, edges } => {
            let labels: Vec<Option<String>> = numeric(frame, column)?
                .into_iter()
                .map(|v| {
                    v.map(|x| {
                        let i = edges.iter().filter(|e| x >= **e).count();
                        format!("bin {}", i + 1)
                    })
                })
                .collect();
            Column::new(name.clone(), mlpilot_core::ColumnData::Str(labels.into()))
        }
        Derived::GroupMean { group, means, .. } => {
            let g = texts(frame, group)?;
            floats(
                g.iter()
                    .map(|k| {
                        k.as_ref()
                            .and_then(|k| means.iter().find(|(l, _)| l == k))
                            .map_or(f64::NAN, |(_, m)| *m)
                    })
                    .collect(),
            )
        }
        Derived::TextLength { column } => floats(
            texts(frame, column)?
                .iter()
                .map(|t| t.as_ref().map_or(f64::NAN, |t| t.chars().count() as f64))
                .collect(),
        ),
        Derived::WordCount { column } => floats(
            texts(frame, column)?
                .iter()
                .map(|t| {
                    t.as_ref()
                        .map_or(f64::NAN, |t| t.split_whitespace().count() as f64)
                })
                .collect(),
        ),
        Derived::AsCategories { column } => {
            let t = texts(frame, column)?;
            Column::new(name.clone(), mlpilot_core::ColumnData::Str(t.into()))
        }
        Derived::AsNumber { column } => floats(
            texts(frame, column)?
                .iter()
                .map(|t| {
                    t.as_deref()
                        .and_then(mlpilot_core::frame::parse_number)
                        .unwrap_or(f64::NAN)
                })
                .collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_and_ratio() {
        let f = Frame::new(vec![
            Column::from_f64("a", [0.0, 3.0, -1.0]),
            Column::from_f64("b", [2.0, 0.0, 1.0]),
        ])
        .unwrap();
        let d = apply(
            &f,
            &[
                Derived::Log1p { column: "a".into() },
                Derived::Ratio {
                    numerator: "a".into(),
                    denominator: "b".into(),
                },
            ],
        )
        .unwrap();
        let l = d.column("log1p(a)").unwrap().to_f64();
        assert_eq!(l[0], Some(0.0));
        assert!((l[1].unwrap() - 4f64.ln()).abs() < 1e-12);
        assert_eq!(l[2], None);
        assert_eq!(
            d.column("a/b").unwrap().to_f64(),
            vec![Some(0.0), None, Some(-1.0)]
        );
        let words = Frame::new(vec![Column::from_strs("w", ["x", "y"])]).unwrap();
        assert!(apply(&words, &[Derived::Log1p { column: "w".into() }]).is_err());
    }

    #[test]
    fn every_transform_computes_its_known_answer() {
        use mlpilot_core::advisor::Transform;
        let f = Frame::new(vec![
            Column::from_f64("a", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
            Column::from_f64("b", [2.0, 2.0, 1.0, 1.0, 0.5, 0.5]),
            Column::from_strs("g", ["x", "x", "y", "y", "z", "z"]),
            Column::from_strs("t", ["one two", "three", "", "a b c", "x", "yy zz"]),
            Column::from_strs("n", ["1", "2", "3", "x", "5", "6"]),
        ])
        .unwrap();
        let fit = |c: &str, t: Transform| Derived::fit(&f, c, &t).unwrap();
        let all = vec![
            fit("a", Transform::Product { other: "b".into() }),
            fit("a", Transform::Difference { other: "b".into() }),
            fit("a", Transform::Bins { count: 3 }),
            fit("a", Transform::GroupMean { group: "g".into() }),
            fit("t", Transform::TextLength),
            fit("t", Transform::WordCount),
            fit("a", Transform::AsCategories),
            fit("n", Transform::AsNumber),
        ];
        let d = apply(&f, &all).unwrap();
        let num = |name: &str| d.column(name).unwrap().to_f64();
        assert_eq!(num("a*b")[4], Some(2.5));
        assert_eq!(num("a-b")[0], Some(-1.0));
        let bins = d.column("bin(a)").unwrap();
        assert_eq!(
            (bins.value(0).to_string(), bins.value(5).to_string()),
            ("bin 1".into(), "bin 3".into())
        );
        assert_eq!(
            num("mean(a|g)"),
            vec![
                Some(1.5),
                Some(1.5),
                Some(3.5),
                Some(3.5),
                Some(5.5),
                Some(5.5)
            ]
        );
        assert_eq!(num("length(t)")[0], Some(7.0));
        assert_eq!(num("words(t)")[3], Some(3.0));
        assert_eq!(
            d.column("a (categories)").unwrap().value(2).to_string(),
            "3"
        );
        assert_eq!(num("n (number)")[3], None);
        assert_eq!(all[6].replaces(), Some("a"));
        assert_eq!(all[3].sources(), vec!["g", "a"]);
        // A level unseen when fitted has no mean; a group column per row is refused.
        let other = Frame::new(vec![
            Column::from_f64("a", [1.0]),
            Column::from_strs("g", ["w"]),
        ])
        .unwrap();
        assert_eq!(
            apply(&other, &all[3..4])
                .unwrap()
                .column("mean(a|g)")
                .unwrap()
                .to_f64(),
            vec![None]
        );
        assert!(Derived::fit(&f, "a", &Transform::GroupMean { group: "t".into() }).is_err());
        assert!(Derived::fit(&f, "a", &Transform::DateParts).is_err());
    }
}
