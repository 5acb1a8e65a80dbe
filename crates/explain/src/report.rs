//! `report.html`: one self-contained file (inline SVG drawn with plotters, inline CSS, nothing
//! fetched) with the data profile, the preprocessing plan, the leaderboard, metrics, the
//! classification or regression diagnostics, importances, a SHAP summary, partial dependence
//! and the narrative.

use mlpilot_core::{
    DatasetProfile, Error, ErrorKind, Result, StepSummary, Task,
    metrics::{ConfusionMatrix, pr_curve, roc_curve},
};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};

use crate::table::{Importance, PartialDependence, RowExplanation, fmt_num};

/// One model on the leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardEntry {
    /// The model.
    pub model: String,
    /// Its validation score.
    pub score: f64,
    /// The score's standard deviation over folds.
    pub std: f64,
    /// Fit seconds.
    pub fit_secs: f64,
}

/// Everything the report shows; the facade fills it from a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportData {
    /// The title (usually the data file).
    pub title: String,
    /// The task.
    pub task: Task,
    /// The target column.
    pub target: String,
    /// The metric's name.
    pub metric: String,
    /// The chosen model.
    pub model: String,
    /// Its validation score and standard deviation.
    pub score: f64,
    /// The score's standard deviation.
    pub score_std: f64,
    /// The baseline's score (most frequent class or mean).
    pub baseline: Option<f64>,
    /// Validation scheme.
    pub validation: String,
    /// The narrative in plain words.
    pub narrative: String,
    /// The training data's profile.
    pub profile: DatasetProfile,
    /// The preprocessing steps with reasons.
    pub plan: Vec<StepSummary>,
    /// Best score per model family, best first.
    pub leaderboard: Vec<BoardEntry>,
    /// Further validation metrics by name.
    pub metrics: Vec<(String, f64)>,
    /// Class labels (classification).
    pub classes: Vec<String>,
    /// Validation targets (class indices or values).
    pub y_true: Vec<f64>,
    /// Validation predictions (class indices or values).
    pub y_pred: Vec<f64>,
    /// Validation probability of the positive class (binary).
    pub positive_scores: Option<Vec<f64>>,
    /// Permutation importances.
    pub importances: Vec<Importance>,
    /// Explained rows (the SHAP summary is drawn from them).
    pub explanations: Vec<RowExplanation>,
    /// Partial dependence of the top columns.
    pub partial_dependence: Vec<PartialDependence>,
    /// What the explanations were computed on when time allowed only samples (rows, columns,
    /// repeats), in words; shown at the top of the explanation sections.
    pub sampling: Vec<String>,
}

/// The section ids every report has, in order (classification adds `confusion`, `roc`, `pr`;
/// regression `predicted-vs-actual`, `residuals`).
pub const COMMON_SECTIONS: [&str; 8] = [
    "summary",
    "profile",
    "plan",
    "leaderboard",
    "metrics",
    "importance",
    "shap",
    "partial-dependence",
];

const CSS: &str = "body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:980px;color:#222;line-height:1.45}\
h1{font-size:1.6rem}h2{font-size:1.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}\
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}\
th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}.note{color:#555;font-size:.9rem}\
figure{margin:.5rem 0}svg{max-width:100%;height:auto}.grid{display:flex;flex-wrap:wrap;gap:1rem}";

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn plot_err<E: std::fmt::Display>(e: E) -> Error {
    Error::new(ErrorKind::Internal, format!("drawing a chart failed: {e}"))
}

/// A label split into at most two lines of about `width` characters, at spaces or `_` when it
/// can (a second line longer than `width` is cut with `…`).
fn wrap_label(label: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = label.chars().collect();
    if chars.len() <= width {
        return vec![label.to_string()];
    }
    let cut = chars
        .iter()
        .take(width + 1)
        .rposition(|c| matches!(c, ' ' | '_' | '-' | '.'))
        .filter(|&p| p >= width / 2)
        .map_or(width, |p| p + 1);
    let first: String = chars.iter().take(cut).collect();
    let rest: Vec<char> = chars.iter().skip(cut).copied().collect();
    let second: String = if rest.len() > width {
        rest.iter()
            .take(width - 1)
            .chain(std::iter::once(&'…'))
            .collect()
    } else {
        rest.iter().collect()
    };
    vec![first.trim_end().to_string(), second]
}

/// A horizontal bar chart of `(label, value, error)`.
fn bar_chart(title: &str, items: &[(String, f64, f64)], x_label: &str) -> Result<String> {
    let mut svg = String::new();
    if items.is_empty() {
        return Ok(svg);
    }
    let h = 60 + 22 * items.len() as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (760, h)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let lo = items.iter().map(|i| i.1 - i.2).fold(0.0f64, f64::min);
        let hi = items.iter().map(|i| i.1 + i.2).fold(0.0f64, f64::max);
        let pad = ((hi - lo) * 0.05).max(1e-9);
        let n = items.len();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(200)
            .build_cartesian_2d((lo - pad)..(hi + pad), 0f64..n as f64)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(x_label)
            .y_labels(0)
            .draw()
            .map_err(plot_err)?;
        // Every bar named at its own centre (the axis' ticks fall between bars and skip some),
        // long names wrapped onto a second line.
        let style = TextStyle::from(("sans-serif", 12).into_font())
            .pos(Pos::new(HPos::Right, VPos::Center));
        for (i, (label, _, _)) in items.iter().enumerate() {
            let y = (n - 1 - i) as f64 + 0.5;
            let (px, py) = chart.backend_coord(&(lo - pad, y));
            let lines = wrap_label(label, 30);
            let k = lines.len() as i32;
            for (j, line) in lines.iter().enumerate() {
                let dy = (2 * j as i32 - (k - 1)) * 7;
                root.draw(&Text::new(line.clone(), (px - 6, py + dy), style.clone()))
                    .map_err(plot_err)?;
            }
        }
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, v, _))| {
                let y0 = (n - 1 - i) as f64 + 0.15;
                let color = if *v >= 0.0 {
                    RGBColor(46, 110, 180)
                } else {
                    RGBColor(200, 80, 60)
                };
                Rectangle::new([(0.0, y0), (*v, y0 + 0.7)], color.filled())
            }))
            .map_err(plot_err)?;
        chart
            .draw_series(items.iter().enumerate().filter(|(_, i)| i.2 > 0.0).map(
                |(i, (_, v, e))| {
                    let y = (n - 1 - i) as f64 + 0.5;
                    PathElement::new(vec![(v - e, y), (v + e, y)], BLACK.stroke_width(1))
                },
            ))
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// A line chart of several series `(name, points)`.
fn line_chart(
    title: &str,
    series: &[(String, Vec<(f64, f64)>)],
    x_label: &str,
    y_label: &str,
    diagonal: bool,
) -> Result<String> {
    let mut svg = String::new();
    let pts: Vec<(f64, f64)> = series.iter().flat_map(|s| s.1.iter().copied()).collect();
    if pts.is_empty() {
        return Ok(svg);
    }
    let (mut x0, mut x1, mut y0, mut y1) = bounds(&pts);
    if diagonal {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    {
        let root = SVGBackend::with_string(&mut svg, (460, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 15))
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(50)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .draw()
            .map_err(plot_err)?;
        if diagonal {
            chart
                .draw_series(LineSeries::new(
                    vec![(0.0, 0.0), (1.0, 1.0)],
                    RGBColor(180, 180, 180),
                ))
                .map_err(plot_err)?;
        }
        let palette = [
            RGBColor(46, 110, 180),
            RGBColor(200, 80, 60),
            RGBColor(60, 150, 80),
            RGBColor(150, 90, 170),
        ];
        for (i, (name, points)) in series.iter().enumerate() {
            let color = palette.get(i % palette.len()).copied().unwrap_or(BLACK);
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(plot_err)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(plot_err)?;
        }
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// A scatter plot, with the line `y = x` when `identity` is set.
fn scatter(
    title: &str,
    pts: &[(f64, f64)],
    x_label: &str,
    y_label: &str,
    identity: bool,
) -> Result<String> {
    let mut svg = String::new();
    if pts.is_empty() {
        return Ok(svg);
    }
    let (x0, x1, y0, y1) = bounds(pts);
    {
        let root = SVGBackend::with_string(&mut svg, (460, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 15))
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .draw()
            .map_err(plot_err)?;
        if identity {
            let lo = x0.max(y0);
            let hi = x1.min(y1);
            chart
                .draw_series(LineSeries::new(
                    vec![(lo, lo), (hi, hi)],
                    RGBColor(180, 180, 180),
                ))
                .map_err(plot_err)?;
        }
        chart
            .draw_series(
                pts.iter().map(|&(x, y)| {
                    Circle::new((x, y), 2, RGBColor(46, 110, 180).mix(0.5).filled())
                }),
            )
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

fn bounds(pts: &[(f64, f64)]) -> (f64, f64, f64, f64) {
    let fin = pts.iter().filter(|p| p.0.is_finite() && p.1.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in fin {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        return (0.0, 1.0, 0.0, 1.0);
    }
    let px = ((x1 - x0) * 0.03).max(1e-9);
    let py = ((y1 - y0) * 0.05).max(1e-9);
    (x0 - px, x1 + px, y0 - py, y1 + py)
}

/// Keeps at most `n` evenly spaced points (curves over many thresholds).
fn thin(pts: Vec<(f64, f64)>, n: usize) -> Vec<(f64, f64)> {
    if pts.len() <= n || n < 2 {
        return pts;
    }
    let last = pts.len() - 1;
    (0..n)
        .filter_map(|i| pts.get(i * last / (n - 1)).copied())
        .collect()
}

fn section(out: &mut String, id: &str, title: &str, body: &str) {
    out.push_str(&format!(
        "<section id=\"{id}\"><h2>{}</h2>\n{body}\n</section>\n",
        esc(title)
    ));
}

fn figure(svg: &str, caption: &str) -> String {
    if svg.is_empty() {
        return format!("<p class=\"note\">{} — nothing to draw.</p>", esc(caption));
    }
    format!(
        "<figure>{svg}<figcaption class=\"note\">{}</figcaption></figure>",
        esc(caption)
    )
}

/// Renders the report.
///
/// # Errors
/// An internal error when drawing one of the charts fails.
pub fn render_html(d: &ReportData) -> Result<String> {
    let mut body = String::new();
    summary_section(&mut body, d);
    profile_section(&mut body, d);
    plan_section(&mut body, d);
    leaderboard_section(&mut body, d)?;
    metrics_section(&mut body, d);
    diagnostics_section(&mut body, d)?;
    sampling_section(&mut body, d);
    importance_section(&mut body, d)?;
    shap_section(&mut body, d)?;
    dependence_section(&mut body, d)?;
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mlpilot report — {}</title><style>{CSS}</style></head>\n<body><h1>mlpilot report — {}</h1>\n{body}<p class=\"note\">Generated by mlpilot {}.</p></body></html>\n",
        esc(&d.title),
        esc(&d.title),
        env!("CARGO_PKG_VERSION")
    ))
}

/// The task, the model, its score and the narrative.
fn summary_section(body: &mut String, d: &ReportData) {
    let baseline = d
        .baseline
        .map(|b| format!(" (baseline {})", mlpilot_core::narration::value(b)))
        .unwrap_or_default();
    section(
        body,
        "summary",
        "Summary",
        &format!(
            "<p><b>Task:</b> {} · <b>target:</b> {} · <b>model:</b> {} · <b>{}:</b> {} ± {}{} · <b>validation:</b> {}</p><p>{}</p>",
            esc(d.task.as_str()),
            esc(&d.target),
            esc(&d.model),
            esc(&d.metric),
            mlpilot_core::narration::value(d.score),
            mlpilot_core::narration::value(d.score_std),
            esc(&baseline),
            esc(&d.validation),
            esc(&d.narrative).replace('\n', "<br>")
        ),
    );
}

/// The data profile: one row per column, and the strongest relations.
fn profile_section(body: &mut String, d: &ReportData) {
    let mut t = String::from(
        "<table><tr><th>column</th><th>kind</th><th>missing</th><th>distinct</th><th>summary</th><th>why this kind</th></tr>",
    );
    for c in &d.profile.columns {
        let summary = match (&c.numeric, c.top_values.first()) {
            (Some(n), _) => format!(
                "min {} · mean {} · max {} · {} outliers",
                fmt_num(n.min),
                fmt_num(n.mean),
                fmt_num(n.max),
                n.outliers.iqr_count
            ),
            (None, Some(v)) => format!("most frequent: {} ({})", v.value, v.count),
            _ => String::new(),
        };
        t.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{} ({} %)</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.name),
            esc(c.kind.as_str()),
            c.missing,
            mlpilot_core::narration::percent(c.missing, d.profile.n_rows),
            c.distinct,
            esc(&summary),
            esc(&c.reason())
        ));
    }
    t.push_str("</table>");
    let relations: Vec<String> = d
        .profile
        .relations
        .iter()
        .take(5)
        .map(|r| format!("{} ~ {}: {}", esc(&r.a), esc(&r.b), fmt_num(r.value)))
        .collect();
    if !relations.is_empty() {
        t.push_str(&format!(
            "<p class=\"note\">Strongest relations between features: {}.</p>",
            relations.join("; ")
        ));
    }
    section(
        body,
        "profile",
        &format!(
            "Data profile — {} rows, {} columns",
            d.profile.n_rows, d.profile.n_cols
        ),
        &t,
    );
}

/// The preprocessing plan, one row per step.
fn plan_section(body: &mut String, d: &ReportData) {
    let mut t = String::from("<table><tr><th>column</th><th>step</th><th>why</th></tr>");
    for s in &d.plan {
        t.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.column),
            esc(&s.step),
            esc(&s.reason)
        ));
    }
    t.push_str("</table>");
    section(body, "plan", "Preprocessing plan", &t);
}

/// The leaderboard: a bar chart and the table.
fn leaderboard_section(body: &mut String, d: &ReportData) -> Result<()> {
    let items: Vec<(String, f64, f64)> = d
        .leaderboard
        .iter()
        .take(12)
        .map(|b| (b.model.clone(), b.score, b.std))
        .collect();
    let mut t = figure(
        &bar_chart("Validation score by model", &items, &d.metric)?,
        "Best validation score of each model family (bars) with its spread over folds.",
    );
    t.push_str("<table><tr><th>model</th><th>score</th><th>± std</th><th>fit s</th></tr>");
    for b in &d.leaderboard {
        t.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&b.model),
            mlpilot_core::narration::value(b.score),
            mlpilot_core::narration::value(b.std),
            mlpilot_core::narration::seconds(b.fit_secs)
        ));
    }
    t.push_str("</table>");
    section(body, "leaderboard", "Leaderboard", &t);
    Ok(())
}

/// Every metric of the task, out of fold.
fn metrics_section(body: &mut String, d: &ReportData) {
    let mut t = String::from("<table><tr><th>metric</th><th>validation</th></tr>");
    for (name, v) in &d.metrics {
        t.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(name),
            fmt_num(*v)
        ));
    }
    t.push_str("</table>");
    section(body, "metrics", "Metrics (out of fold)", &t);
}

/// Diagnostics: confusion matrix and curves (classification) or predicted against actual and residuals (regression).
fn diagnostics_section(body: &mut String, d: &ReportData) -> Result<()> {
    if d.task.is_classification() {
        classification_diagnostics(body, d)
    } else {
        regression_diagnostics(body, d)
    }
}

/// The confusion matrix, the ROC and the precision–recall curves, out of fold.
fn classification_diagnostics(body: &mut String, d: &ReportData) -> Result<()> {
    let k = d.classes.len().max(1);
    let cm = ConfusionMatrix::new(&d.y_true, &d.y_pred, k);
    let max = cm
        .counts
        .iter()
        .flatten()
        .copied()
        .max()
        .unwrap_or(1)
        .max(1);
    let mut t = String::from("<table><tr><th>true \\ predicted</th>");
    for c in &d.classes {
        t.push_str(&format!("<th>{}</th>", esc(c)));
    }
    t.push_str("</tr>");
    for (i, row) in cm.counts.iter().enumerate() {
        t.push_str(&format!(
            "<tr><th>{}</th>",
            esc(d.classes.get(i).map_or("?", String::as_str))
        ));
        for v in row {
            let shade = 255 - (150 * v / max) as u8;
            t.push_str(&format!(
                "<td class=\"num\" style=\"background:rgb({shade},{shade},255)\">{v}</td>"
            ));
        }
        t.push_str("</tr>");
    }
    t.push_str("</table>");
    section(body, "confusion", "Confusion matrix (out of fold)", &t);
    let curves: Vec<(String, Vec<bool>, Vec<f64>)> = match &d.positive_scores {
        Some(s) => vec![(
            d.classes
                .get(1)
                .cloned()
                .unwrap_or_else(|| "positive".into()),
            d.y_true.iter().map(|y| *y == 1.0).collect(),
            s.clone(),
        )],
        None => Vec::new(),
    };
    let roc: Vec<(String, Vec<(f64, f64)>)> = curves
        .iter()
        .map(|(n, pos, s)| (n.clone(), thin(roc_curve(pos, s), 400)))
        .collect();
    let pr: Vec<(String, Vec<(f64, f64)>)> = curves
        .iter()
        .map(|(n, pos, s)| (n.clone(), thin(pr_curve(pos, s), 400)))
        .collect();
    let note = if curves.is_empty() {
        "<p class=\"note\">Curves are drawn for binary tasks with probabilities.</p>".to_string()
    } else {
        String::new()
    };
    section(
        body,
        "roc",
        "ROC curve",
        &format!(
            "{note}{}",
            figure(
                &line_chart(
                    "ROC",
                    &roc,
                    "false positive rate",
                    "true positive rate",
                    true
                )?,
                "Out-of-fold ROC curve; the diagonal is a coin flip."
            )
        ),
    );
    section(
        body,
        "pr",
        "Precision–recall curve",
        &figure(
            &line_chart("Precision–recall", &pr, "recall", "precision", true)?,
            "Out-of-fold precision against recall.",
        ),
    );
    Ok(())
}

/// Predicted against actual and the residuals, out of fold.
fn regression_diagnostics(body: &mut String, d: &ReportData) -> Result<()> {
    let pts: Vec<(f64, f64)> = d
        .y_true
        .iter()
        .zip(&d.y_pred)
        .map(|(y, p)| (*y, *p))
        .take(3000)
        .collect();
    section(
        body,
        "predicted-vs-actual",
        "Predicted against actual",
        &figure(
            &scatter("Predicted vs actual", &pts, "actual", "predicted", true)?,
            "Out-of-fold predictions; points on the grey line are exact.",
        ),
    );
    let res: Vec<(f64, f64)> = pts.iter().map(|(y, p)| (*p, y - p)).collect();
    section(
        body,
        "residuals",
        "Residuals",
        &figure(
            &scatter("Residuals", &res, "predicted", "actual − predicted", false)?,
            "Residuals should scatter evenly around zero.",
        ),
    );
    Ok(())
}

/// What the explanations were computed on, when time allowed only samples.
fn sampling_section(body: &mut String, d: &ReportData) {
    if !d.sampling.is_empty() {
        let items: String = d
            .sampling
            .iter()
            .map(|s| format!("<li>{}</li>", esc(s)))
            .collect();
        section(
            body,
            "sampling",
            "How the explanations were computed",
            &format!("<ul class=\"note\">{items}</ul>"),
        );
    }
}

/// Permutation importance.
fn importance_section(body: &mut String, d: &ReportData) -> Result<()> {
    let items: Vec<(String, f64, f64)> = d
        .importances
        .iter()
        .take(15)
        .map(|i| (i.feature.clone(), i.importance, i.std))
        .collect();
    section(
        body,
        "importance",
        "Permutation importance",
        &figure(
            &bar_chart("Loss of score when a column is shuffled", &items, &d.metric)?,
            "Mean drop of the validation score over repeated shuffles of each input column (± std).",
        ),
    );
    Ok(())
}

/// The SHAP summary: mean |contribution| per column over the explained rows, and a few rows in words.
fn shap_section(body: &mut String, d: &ReportData) -> Result<()> {
    let mut acc: Vec<(String, f64)> = Vec::new();
    for e in &d.explanations {
        for c in &e.contributions {
            match acc.iter_mut().find(|a| a.0 == c.feature) {
                Some(a) => a.1 += c.value.abs(),
                None => acc.push((c.feature.clone(), c.value.abs())),
            }
        }
    }
    let n = d.explanations.len().max(1) as f64;
    acc.iter_mut().for_each(|a| a.1 /= n);
    acc.sort_by(|a, b| b.1.total_cmp(&a.1));
    let items: Vec<(String, f64, f64)> = acc
        .iter()
        .take(15)
        .map(|(f, v)| (f.clone(), *v, 0.0))
        .collect();
    let mut t = figure(
        &bar_chart(
            "Mean |SHAP contribution|",
            &items,
            "mean absolute contribution",
        )?,
        &format!(
            "Average size of each column's contribution over {} explained rows.",
            d.explanations.len()
        ),
    );
    let task = d.task;
    for e in d.explanations.iter().take(5) {
        t.push_str(&format!("<p>Row {}: {}</p>", e.row, esc(&e.sentence(task))));
    }
    section(body, "shap", "SHAP summary", &t);
    Ok(())
}

/// Partial dependence (average and individual rows) per explained column.
fn dependence_section(body: &mut String, d: &ReportData) -> Result<()> {
    let mut t = String::from("<div class=\"grid\">");
    for p in &d.partial_dependence {
        let xs: Vec<f64> = match &p.numeric_grid {
            Some(g) => g.clone(),
            None => (0..p.grid.len()).map(|i| i as f64).collect(),
        };
        let mut series = vec![(
            "average".to_string(),
            xs.iter()
                .copied()
                .zip(p.average.iter().copied())
                .collect::<Vec<_>>(),
        )];
        for (i, ice) in p.ice.iter().enumerate().take(3) {
            series.push((
                format!("row {i}"),
                xs.iter().copied().zip(ice.iter().copied()).collect(),
            ));
        }
        let caption = if p.numeric_grid.is_none() {
            format!(
                "{} against {}; categories: {}",
                p.output,
                p.feature,
                p.grid
                    .iter()
                    .enumerate()
                    .map(|(i, g)| format!("{i} = {g}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!(
                "{} against {} (average and individual rows)",
                p.output, p.feature
            )
        };
        t.push_str(&figure(
            &line_chart(&p.feature, &series, &p.feature, &p.output, false)?,
            &caption,
        ));
    }
    t.push_str("</div>");
    section(body, "partial-dependence", "Partial dependence", &t);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `(y, text)` of every `<text>` element of an SVG, in document order.
    fn texts(svg: &str) -> Vec<(f64, String)> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                let y = t.split(" y=\"").nth(1)?.split('"').next()?.parse().ok()?;
                let body = t
                    .split_once('>')?
                    .1
                    .split("</text>")
                    .next()?
                    .trim()
                    .to_string();
                Some((y, body))
            })
            .collect()
    }

    #[test]
    fn every_bar_is_named_once_top_to_bottom_and_long_names_wrap() {
        let items: Vec<(String, f64, f64)> = (0..9)
            .map(|i| (format!("feature_{i}"), 1.0 - 0.1 * i as f64, 0.01))
            .chain(std::iter::once((
                "a_very_long_column_name_that_would_not_fit_beside_the_bars".to_string(),
                0.05,
                0.0,
            )))
            .collect();
        let svg = bar_chart("What matters", &items, "importance").unwrap();
        let t = texts(&svg);
        let mut ys = Vec::new();
        for (name, _, _) in items.iter().take(9) {
            let hits: Vec<&(f64, String)> = t.iter().filter(|(_, s)| s == name).collect();
            assert_eq!(hits.len(), 1, "{name} labelled {} times", hits.len());
            ys.push(hits[0].0);
        }
        assert!(
            ys.windows(2).all(|w| w[0] < w[1]),
            "labels out of order: {ys:?}"
        );
        let long: Vec<&String> = t
            .iter()
            .map(|(_, s)| s)
            .filter(|s| s.starts_with("a_very") || s.contains("beside"))
            .collect();
        assert_eq!(long.len(), 2, "the long name takes two lines: {long:?}");
    }

    #[test]
    fn labels_are_text_not_markup() {
        let items = vec![("<script>alert(1)</script>".to_string(), 1.0, 0.0)];
        let svg = bar_chart("t", &items, "x").unwrap();
        assert!(!svg.contains("<script>"), "{svg}");
    }

    #[test]
    fn wrapping_prefers_word_breaks() {
        assert_eq!(wrap_label("short", 30), vec!["short"]);
        let w = wrap_label("number_of_previous_purchases_last_year_online", 30);
        assert_eq!(w.len(), 2);
        assert!(w[0].ends_with('_'), "{w:?}");
    }
}
