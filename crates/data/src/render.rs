//! The profile as aligned text for people.

use std::fmt::Write as _;

use mlpilot_core::DatasetProfile;
use mlpilot_core::profile::ColumnProfile;

use crate::infer::fmt_count;

pub use mlpilot_core::narration::number as fmt_num;

fn summary(c: &ColumnProfile) -> String {
    if let Some(n) = &c.numeric {
        let mut s = format!(
            "min {}  median {}  max {}  mean {}  std {}",
            fmt_num(n.min),
            fmt_num(n.quantiles.p50),
            fmt_num(n.max),
            fmt_num(n.mean),
            fmt_num(n.std)
        );
        if n.skew.abs() >= 1.0 {
            let _ = write!(s, "  skew {:.1}", n.skew);
        }
        if n.outliers.iqr_count > 0 {
            let _ = write!(s, "  outliers {}", fmt_count(n.outliers.iqr_count));
        }
        if n.infinite > 0 {
            let _ = write!(s, "  infinite {}", fmt_count(n.infinite));
        }
        return s;
    }
    if let Some(t) = &c.text {
        return format!(
            "median length {:.0}, {:.1} words on average, {} distinct words",
            t.median_length,
            t.mean_words,
            fmt_count(t.vocabulary)
        );
    }
    if let Some(d) = &c.datetime {
        return format!("{} … {}", d.min, d.max);
    }
    c.top_values
        .iter()
        .take(4)
        .map(|v| format!("{} {}", v.value, fmt_count(v.count)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

/// Renders the profile as an aligned table followed by the reasons, relations, target and
/// suggestions.
pub fn render_profile(p: &DatasetProfile) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} rows × {} columns, {} duplicate rows",
        p.source,
        fmt_count(p.n_rows),
        fmt_count(p.n_cols),
        fmt_count(p.duplicate_rows)
    );
    for n in &p.notes {
        let _ = writeln!(out, "note: {n}");
    }
    let _ = writeln!(out);
    column_table(&mut out, p);
    let _ = writeln!(out, "\nWhy these kinds:");
    for c in &p.columns {
        let _ = writeln!(out, "  {}: {}", c.name, c.reason());
    }
    if !p.relations.is_empty() {
        let _ = writeln!(out, "\nStrongest relations between features:");
        for r in p.relations.iter().take(8) {
            let _ = writeln!(
                out,
                "  {} ~ {}: {} {:.3}",
                r.a,
                r.b,
                r.measure.display_name(),
                r.value
            );
        }
    }
    match &p.target {
        Some(t) => target_section(&mut out, t),
        None => {
            if let Some(s) = &p.suggestions.target {
                let _ = writeln!(
                    out,
                    "\nLikely target: `{}` ({}) — {}",
                    s.column,
                    s.task,
                    s.reason()
                );
            }
        }
    }
    if !p.suggestions.preprocessing.is_empty() {
        let _ = writeln!(out, "\nSuggested preprocessing:");
        for s in &p.suggestions.preprocessing {
            let _ = writeln!(out, "  {} `{}`: {}", s.action.as_str(), s.column, s.reason);
        }
    }
    out
}

/// One aligned row per column: name, kind, missing, distinct, summary.
fn column_table(out: &mut String, p: &DatasetProfile) {
    let rows: Vec<[String; 5]> = p
        .columns
        .iter()
        .map(|c| {
            let missing = if c.missing == 0 {
                "0".to_string()
            } else {
                format!(
                    "{} ({:.1}%)",
                    fmt_count(c.missing),
                    100.0 * c.missing_fraction
                )
            };
            [
                c.name.clone(),
                c.kind.to_string(),
                missing,
                fmt_count(c.distinct),
                summary(c),
            ]
        })
        .collect();
    let header = ["column", "kind", "missing", "distinct", "summary"];
    let mut w = header.map(|h| h.chars().count());
    for r in &rows {
        for (wi, cell) in w.iter_mut().zip(r) {
            *wi = (*wi).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| -> String {
        let mut s = String::new();
        for (i, (c, wi)) in cells.iter().zip(w).enumerate() {
            if i == 4 {
                s.push_str(c);
            } else {
                s.push_str(&pad(c, wi + 2));
            }
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(header));
    for r in &rows {
        let _ = writeln!(out, "{}", line([&r[0], &r[1], &r[2], &r[3], &r[4]]));
    }
}

/// The target: its task, classes and balance, warnings, missing rows, the most informative
/// features and leakage suspects.
fn target_section(out: &mut String, t: &mlpilot_core::profile::TargetProfile) {
    let _ = writeln!(out, "\nTarget `{}`: {}", t.name, t.task);
    if !t.classes.is_empty() {
        let classes = t
            .classes
            .iter()
            .map(|c| format!("{} {}", c.value, fmt_count(c.count)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(out, "  classes: {classes}");
        if let Some(r) = t.imbalance_ratio {
            let _ = writeln!(out, "  largest/smallest class: {r:.1}");
        }
    }
    for w in t.warning_lines() {
        let _ = writeln!(out, "  warning: {w}");
    }
    if t.missing > 0 {
        let _ = writeln!(
            out,
            "  {} rows have no target value and will be left out of training",
            fmt_count(t.missing)
        );
    }
    if !t.feature_relations.is_empty() {
        let rel = t
            .feature_relations
            .iter()
            .take(6)
            .map(|f| {
                format!(
                    "{} ({} {:.2}, MI {:.3})",
                    f.feature,
                    f.measure.display_name(),
                    f.value,
                    f.mutual_information
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(out, "  most informative: {rel}");
    }
    for l in &t.leakage_suspects {
        let _ = writeln!(out, "  leakage suspect: {}", l.reason());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact() {
        assert_eq!(fmt_num(28.0), "28");
        assert_eq!(fmt_num(0.166_67), "0.1667");
        assert_eq!(fmt_num(1234.56), "1235");
        assert_eq!(fmt_num(1.5e7), "15,000,000");
    }
}
