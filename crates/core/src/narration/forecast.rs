//! A forecaster in words: its narrative (per series, its trend and seasons, the method chosen
//! and its backtest error against the baseline), the spacing of its points, the rows that
//! shared a time, and the notes on what its fit left out or changed.

use crate::datetime::DateFormat;
use crate::facts::{DuplicateTimes, ForecastNote, MergedTimes, SeriesFacts, Spacing};

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// The spacing of a series' points in words ("monthly", "every 7 days", "hourly").
pub fn spacing(s: &Spacing) -> String {
    match *s {
        Spacing::Numeric { step: 1.0 } => "one step per unit".into(),
        Spacing::Numeric { step } => format!("every {step} units"),
        Spacing::Months { step: 1 } => "monthly".into(),
        Spacing::Months { step: 3 } => "quarterly".into(),
        Spacing::Months { step: 12 } => "yearly".into(),
        Spacing::Months { step } => format!("every {step} months"),
        Spacing::Fixed { step_ms } if step_ms == DAY_MS => "daily".into(),
        Spacing::Fixed { step_ms } if step_ms == 7 * DAY_MS => "weekly".into(),
        Spacing::Fixed { step_ms } if step_ms == HOUR_MS => "hourly".into(),
        Spacing::Fixed { step_ms } if step_ms % DAY_MS == 0 => {
            format!("every {} days", step_ms / DAY_MS)
        }
        Spacing::Fixed { step_ms } if step_ms % 60_000 == 0 => {
            format!("every {} minutes", step_ms / 60_000)
        }
        Spacing::Fixed { step_ms } => format!("every {} seconds", step_ms as f64 / 1000.0),
    }
}

/// Rows that shared a time in words: "2 times had more than one row (`2023-01-06`,
/// `2023-01-10`); 2 extra rows were averaged into one point per time (--duplicate-times mean,
/// sum, first, last or refuse)".
pub fn merged_times(m: &MergedTimes) -> String {
    let verb = match m.how {
        DuplicateTimes::Mean => "averaged into one point per time",
        DuplicateTimes::Sum => "added up into one point per time",
        DuplicateTimes::First => "reduced to the first row of each time",
        DuplicateTimes::Last => "reduced to the last row of each time",
        DuplicateTimes::Refuse => "refused",
    };
    format!(
        "{} time{} had more than one row ({}); {} extra row{} {} {verb} \
         (--duplicate-times mean, sum, first, last or refuse)",
        m.times,
        if m.times == 1 { "" } else { "s" },
        backticked(&m.examples),
        m.rows,
        if m.rows == 1 { "" } else { "s" },
        if m.rows == 1 { "was" } else { "were" },
    )
}

/// The order of a date format's parts in words ("day/month/year").
fn date_order(f: DateFormat) -> &'static str {
    match f {
        DateFormat::Iso => "year-month-day",
        DateFormat::YearSlash => "year/month/day",
        DateFormat::YearMonth => "year-month",
        DateFormat::DayMonthYear => "day/month/year",
        DateFormat::MonthDayYear => "month/day/year",
    }
}

/// What a forecast was fitted on, for its narrative.
#[derive(Debug, Clone, Copy)]
pub struct ForecastSubject<'a> {
    /// The target column.
    pub target: &'a str,
    /// The time column.
    pub time: &'a str,
    /// How far apart the points are.
    pub spacing: Spacing,
    /// How the dates were read, when they were text.
    pub date_format: Option<DateFormat>,
}

/// A forecaster in words, written from its facts (every figure — means, seasons, errors,
/// coverage, importances — is one of theirs, rounded to three decimals): per series (twenty at
/// most), its trend and seasons, the method chosen and its backtest error against the seasonal
/// naive baseline, what moves it and the interval's backtest coverage; then the notes.
pub fn forecast_narrative(
    subject: &ForecastSubject<'_>,
    series: &[SeriesFacts],
    notes: &[ForecastNote],
) -> String {
    let target = subject.target;
    let axis = spacing(&subject.spacing);
    let mut out = Vec::new();
    if series.len() > 1 {
        out.push(format!(
            "{} series of `{target}` ({axis}), one forecast per series.",
            series.len()
        ));
    }
    if let Some(f) = subject.date_format
        && f != DateFormat::Iso
    {
        out.push(format!(
            "Dates in `{}` were read as {}.",
            subject.time,
            date_order(f)
        ));
    }
    for f in series.iter().take(20) {
        out.push(series_sentences(f, target, &axis));
    }
    if series.len() > 20 {
        out.push(format!(
            "({} more series in summary.json.)",
            series.len() - 20
        ));
    }
    out.extend(notes.iter().map(|n| format!("Note: {}.", forecast_note(n))));
    out.join(" ")
}

/// How a series is named in a sentence: "series `north`", or "the series" in a table with one.
pub fn series_label(id: Option<&str>) -> String {
    id.map_or_else(|| "the series".to_string(), |i| format!("series `{i}`"))
}

fn backticked(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A forecaster's note in one sentence, without the final full stop.
pub fn forecast_note(note: &ForecastNote) -> String {
    match note {
        ForecastNote::Untargeted {
            series,
            rows,
            target,
            times,
        } => format!(
            "{rows} row(s) of {} lie outside the values of `{target}` (e.g. {}) and were left \
             out of the history; to forecast those times, give them to predict",
            series_label(series.as_deref()),
            times.join(", ")
        ),
        ForecastNote::SingleWindow { series } => format!(
            "only one backtest window fits the horizon in {}: the choice of method rests on \
             it alone and the interval's coverage cannot be measured; a shorter --horizon \
             leaves room for more",
            series
                .iter()
                .map(|s| series_label(s.as_deref()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ForecastNote::Covariates { columns } => format!(
            "covariates {} are used by the regression methods (linear and the backend \
             models); seasonal naive, ETS, AutoETS, MSTL and the seasonal-difference \
             autoregression cannot use covariates and forecast from the series alone",
            backticked(columns)
        ),
        ForecastNote::NotNumericCovariates { columns } => format!(
            "columns {} are not numeric and were not used as covariates (encode them as \
             numbers, e.g. 0/1, to use them)",
            backticked(columns)
        ),
        ForecastNote::BudgetSeries { short, total } => format!(
            "the time budget ran out: {short} of {total} series were fitted with the \
             baselines and the candidates tried before it"
        ),
        ForecastNote::BudgetGlobal { model } => {
            format!("the time budget ran out before the {model} model across series")
        }
        ForecastNote::GlobalFailed { model, error } => {
            format!("the {model} model across series could not be fitted: {error}")
        }
    }
}

/// One series in words: its trend and seasons, the method chosen and its backtest error
/// against the baseline, what moves it, and its interval's coverage.
fn series_sentences(f: &SeriesFacts, target: &str, axis: &str) -> String {
    let who =
        f.id.as_ref()
            .map_or_else(|| format!("`{target}`"), |i| format!("Series `{i}`"));
    let (a, b) = (f.first_half_mean, f.second_half_mean);
    let trend = if b - a > 0.05 * a.abs() {
        format!("rises (the second half averages {b:.3} against {a:.3} for the first)")
    } else if a - b > 0.05 * a.abs() {
        format!("falls (the second half averages {b:.3} against {a:.3} for the first)")
    } else {
        format!("holds level (the halves average {a:.3} and {b:.3})")
    };
    // Whole seasons as whole numbers, others to three decimals (365.25, 52.179).
    let steps = |p: &f64| {
        if p.fract() == 0.0 {
            format!("{p:.0}")
        } else {
            format!("{p:.3}").trim_end_matches('0').to_string()
        }
    };
    let seasons = match f.seasons.as_slice() {
        [] => "no regular season".to_string(),
        [p] => format!("a season of {} steps", steps(p)),
        ps => format!(
            "seasons of {} steps",
            ps.iter().map(steps).collect::<Vec<_>>().join(" and ")
        ),
    };
    let mut s = format!(
        "{who} ({} points, {}) {trend}, with {seasons}.",
        f.points, axis
    );
    if f.filled > 0 {
        s.push_str(&format!(" {} missing points were interpolated.", f.filled));
    }
    s.push_str(&format!(
        " Forecast by {}: in {} backtest{} its error (RMSE) was {:.3}",
        f.method,
        f.windows,
        if f.windows == 1 { "" } else { "s" },
        f.backtest_rmse
    ));
    match &f.baseline {
        Some((name, rmse)) if *rmse > 0.0 && *name != f.method => {
            let better = f.backtest_rmse < *rmse;
            s.push_str(&format!(
                ", {} the {:.3} of {name}",
                if better { "below" } else { "not below" },
                rmse
            ));
        }
        _ => {}
    }
    s.push('.');
    if !f.drivers.is_empty() {
        s.push_str(&format!(
            " What moves it most (the model across series): {}.",
            f.drivers
                .iter()
                .map(|(n, v)| format!("{n} ({v:.3} of the importance)"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(c) = f.coverage {
        s.push_str(&format!(
            " Its {:.0} % interval held {:.3} of the backtest points.",
            f.level * 100.0,
            c
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_name_the_series_and_columns() {
        let n = ForecastNote::SingleWindow {
            series: vec![Some("north".into()), None],
        };
        assert!(forecast_note(&n).contains("in series `north`, the series:"));
        let n = ForecastNote::Covariates {
            columns: vec!["promo".into(), "price".into()],
        };
        assert!(forecast_note(&n).starts_with("covariates `promo`, `price` are used"));
        let n = ForecastNote::BudgetSeries { short: 2, total: 5 };
        assert!(forecast_note(&n).contains("2 of 5 series"));
    }

    #[test]
    fn spacings_in_words() {
        let cases = [
            (Spacing::Numeric { step: 1.0 }, "one step per unit"),
            (Spacing::Numeric { step: 0.5 }, "every 0.5 units"),
            (Spacing::Months { step: 1 }, "monthly"),
            (Spacing::Months { step: 3 }, "quarterly"),
            (Spacing::Months { step: 12 }, "yearly"),
            (Spacing::Months { step: 6 }, "every 6 months"),
            (Spacing::Fixed { step_ms: DAY_MS }, "daily"),
            (
                Spacing::Fixed {
                    step_ms: 7 * DAY_MS,
                },
                "weekly",
            ),
            (Spacing::Fixed { step_ms: HOUR_MS }, "hourly"),
            (
                Spacing::Fixed {
                    step_ms: 2 * DAY_MS,
                },
                "every 2 days",
            ),
            (Spacing::Fixed { step_ms: 900_000 }, "every 15 minutes"),
            (Spacing::Fixed { step_ms: 1500 }, "every 1.5 seconds"),
        ];
        for (s, words) in cases {
            assert_eq!(spacing(&s), words, "{s:?}");
        }
    }

    #[test]
    fn merged_times_say_how_many_and_how() {
        let m = MergedTimes {
            how: DuplicateTimes::Sum,
            times: 2,
            rows: 3,
            examples: vec!["2023-01-06".into(), "2023-01-10".into()],
        };
        assert_eq!(
            merged_times(&m),
            "2 times had more than one row (`2023-01-06`, `2023-01-10`); 3 extra rows were added \
             up into one point per time (--duplicate-times mean, sum, first, last or refuse)"
        );
        let one = MergedTimes {
            how: DuplicateTimes::Last,
            times: 1,
            rows: 1,
            examples: vec!["5".into()],
        };
        assert!(merged_times(&one).starts_with(
            "1 time had more than one row (`5`); 1 extra row was reduced to the last"
        ));
    }

    fn series(id: Option<&str>, first: f64, second: f64) -> SeriesFacts {
        SeriesFacts {
            id: id.map(str::to_string),
            points: 48,
            filled: 2,
            first_half_mean: first,
            second_half_mean: second,
            seasons: vec![12.0, 365.25],
            method: "AutoETS".into(),
            backtest_rmse: 1.25,
            baseline: Some(("seasonal naive (12)".into(), 2.5)),
            coverage: Some(0.75),
            windows: 3,
            level: 0.8,
            drivers: vec![("lag_12".into(), 0.5)],
        }
    }

    #[test]
    fn a_forecast_narrative_states_each_series_facts() {
        let subject = ForecastSubject {
            target: "sales",
            time: "day",
            spacing: Spacing::Months { step: 1 },
            date_format: Some(DateFormat::DayMonthYear),
        };
        let text = forecast_narrative(
            &subject,
            &[series(Some("north"), 10.0, 12.0), series(None, 10.0, 10.2)],
            &[ForecastNote::BudgetGlobal {
                model: "gbdt".into(),
            }],
        );
        assert_eq!(
            text,
            "2 series of `sales` (monthly), one forecast per series. Dates in `day` were read as \
             day/month/year. Series `north` (48 points, monthly) rises (the second half averages \
             12.000 against 10.000 for the first), with seasons of 12 and 365.25 steps. 2 missing \
             points were interpolated. Forecast by AutoETS: in 3 backtests its error (RMSE) was \
             1.250, below the 2.500 of seasonal naive (12). What moves it most (the model across \
             series): lag_12 (0.500 of the importance). Its 80 % interval held 0.750 of the \
             backtest points. `sales` (48 points, monthly) holds level (the halves average 10.000 \
             and 10.200), with seasons of 12 and 365.25 steps. 2 missing points were \
             interpolated. Forecast by AutoETS: in 3 backtests its error (RMSE) was 1.250, below \
             the 2.500 of seasonal naive (12). What moves it most (the model across series): \
             lag_12 (0.500 of the importance). Its 80 % interval held 0.750 of the backtest \
             points. Note: the time budget ran out before the gbdt model across series."
        );
        // One series with ISO dates: no count of series, no line about the dates.
        let iso = ForecastSubject {
            date_format: Some(DateFormat::Iso),
            ..subject
        };
        let one = forecast_narrative(&iso, &[series(None, 12.0, 10.0)], &[]);
        assert!(
            one.starts_with("`sales` (48 points, monthly) falls"),
            "{one}"
        );
    }
}
