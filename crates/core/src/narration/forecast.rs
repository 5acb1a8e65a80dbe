//! A forecaster's notes: what its fit left out or changed.

use crate::facts::ForecastNote;

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
}
