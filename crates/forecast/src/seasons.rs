//! Season detection: which of the calendar's seasons the data show, or, on a plain numeric
//! axis, the cycle with the strongest autocorrelation.

use crate::axis::TimeAxis;

/// Autocorrelation of `x` at `lag` (0 when undefined).
pub(crate) fn acf(x: &[f64], lag: usize) -> f64 {
    if lag == 0 || lag >= x.len() {
        return 0.0;
    }
    let m = x.iter().sum::<f64>() / x.len() as f64;
    let var: f64 = x.iter().map(|v| (v - m).powi(2)).sum();
    if var <= 0.0 {
        return 0.0;
    }
    x.iter()
        .zip(x.iter().skip(lag))
        .map(|(a, b)| (a - m) * (b - m))
        .sum::<f64>()
        / var
}

/// Moving average of width `w` (the `len − w + 1` full windows).
fn moving_average(x: &[f64], w: usize) -> Vec<f64> {
    if w <= 1 || x.len() < w {
        return x.to_vec();
    }
    let mut out = Vec::with_capacity(x.len() - w + 1);
    let mut sum: f64 = x.iter().take(w).sum();
    out.push(sum / w as f64);
    for (new, old) in x.iter().skip(w).zip(x) {
        sum += new - old;
        out.push(sum / w as f64);
    }
    out
}

/// How strongly `x` repeats every `period` steps: the series (first smoothed over a shorter
/// season already found, `smooth` steps, so that it does not echo at this lag) minus its
/// centred moving average over one period (which removes the trend), then the highest
/// autocorrelation of that at the whole lags either side of the period.
pub fn strength(x: &[f64], period: f64, smooth: usize) -> f64 {
    let xs = moving_average(x, smooth);
    let m = period.round().max(1.0) as usize;
    let trend = moving_average(&xs, m);
    let off = (m - 1) / 2;
    let rest: Vec<f64> = xs
        .iter()
        .skip(off)
        .zip(&trend)
        .map(|(a, t)| a - t)
        .collect();
    let lo = period.floor().max(1.0) as usize;
    let hi = period.ceil().max(1.0) as usize;
    acf(&rest, lo).max(acf(&rest, hi))
}

/// The seasons of a series with this axis, in steps, shortest first (at most three).
///
/// A calendar season (see [`TimeAxis::calendar_periods`]) is kept when the series covers at
/// least two of its cycles plus `reserve` points and its [`strength`] is above 0.3 (white noise
/// and random walks stay near 0). On an axis without calendar seasons (plain numbers, years),
/// the lag from 2 to a third of the series with the highest autocorrelation that is a local
/// maximum above 0.3 is the season, as found (for cycles that are not calendar ones, such as
/// the sunspots' eleven years).
pub fn detect(values: &[f64], axis: &TimeAxis, reserve: usize) -> Vec<f64> {
    // Long series: the last 20,000 points are plenty and keep this linear.
    let x = values
        .get(values.len().saturating_sub(20_000)..)
        .unwrap_or(values);
    let n = x.len();
    let calendar = axis.calendar_periods();
    let mut out = Vec::new();
    let mut smooth = 1;
    for p in &calendar {
        let lag = p.ceil() as usize;
        if lag < 2 || 2 * lag + reserve > n {
            continue;
        }
        if strength(x, *p, smooth) > 0.3 {
            out.push(*p);
            smooth = p.round() as usize;
        }
    }
    if calendar.is_empty() {
        let mut best: Option<(usize, f64)> = None;
        let mut prev = acf(x, 1);
        let mut here = acf(x, 2);
        for lag in 2..=(n / 3).min(500) {
            let next = acf(x, lag + 1);
            if here > 0.3 && here >= prev && here >= next && best.is_none_or(|b| here > b.1) {
                best = Some((lag, here));
            }
            prev = here;
            here = next;
        }
        if let Some((lag, _)) = best
            && 2 * lag + reserve <= n
        {
            out.push(lag as f64);
        }
    }
    out.sort_by(f64::total_cmp);
    out.truncate(3);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wave(n: usize, period: f64, amp: f64) -> Vec<f64> {
        (0..n)
            .map(|t| amp * (2.0 * std::f64::consts::PI * t as f64 / period).sin())
            .collect()
    }

    #[test]
    fn finds_two_calendar_seasons_of_a_daily_series() {
        let week = wave(1500, 7.0, 3.0);
        let year = wave(1500, 365.25, 10.0);
        let y: Vec<f64> = (0..1500)
            .map(|t| 100.0 + 0.01 * t as f64 + week[t] + year[t] + ((t * 7919) % 13) as f64 * 0.1)
            .collect();
        let axis = TimeAxis::Fixed {
            step_ms: 86_400_000,
        };
        assert_eq!(detect(&y, &axis, 10), vec![7.0, 365.25]);
        // With under two years of data, only the week.
        assert_eq!(detect(&y[..600], &axis, 10), vec![7.0]);
    }

    #[test]
    fn finds_a_cycle_on_a_numeric_axis_and_nothing_in_noise() {
        let y: Vec<f64> = wave(300, 11.0, 50.0).iter().map(|v| v + 60.0).collect();
        let axis = TimeAxis::Numeric { step: 1.0 };
        assert_eq!(detect(&y, &axis, 10), vec![11.0]);
        // splitmix64: white noise.
        let noise: Vec<f64> = (0..300u64)
            .map(|t| {
                let mut z = t.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                ((z ^ (z >> 31)) % 1000) as f64
            })
            .collect();
        assert!(detect(&noise, &axis, 10).is_empty());
        let daily = TimeAxis::Fixed {
            step_ms: 86_400_000,
        };
        assert!(detect(&noise, &daily, 10).is_empty());
        // A random walk has no season either.
        let walk: Vec<f64> = noise
            .iter()
            .scan(0.0, |a, v| {
                *a += v - 500.0;
                Some(*a)
            })
            .collect();
        assert!(detect(&walk, &daily, 10).is_empty());
    }
}
