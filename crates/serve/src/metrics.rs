//! Prometheus metrics: requests and errors by route and status, a latency histogram per route,
//! predictions per class, and drift gauges from the latest check.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use mlpilot_monitor::{MonitorReport, Performance};
use serde_json::Value;

/// Latency histogram bucket bounds, in seconds.
pub const BUCKETS: [f64; 14] = [
    0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    predictions: BTreeMap<String, u64>,
    drift: BTreeMap<String, f64>,
    drift_stats: BTreeMap<(String, String), f64>,
    prediction_drift: Option<f64>,
    score: Option<(String, f64, f64)>,
}

/// The server's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

/// Known routes keep their path as a label; anything else is `other` (bounded cardinality).
fn route_label(path: &str) -> &str {
    match path {
        "/v1/predict" | "/v1/explain" | "/v1/feedback" | "/v1/model" | "/v1/monitor"
        | "/v1/forecast" | "/healthz" | "/metrics" => path,
        _ => "other",
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Empty metrics.
    pub fn new() -> Self {
        Metrics::default()
    }

    /// Records one request.
    pub fn observe(&self, path: &str, status: u16, secs: f64) {
        let Ok(mut m) = self.inner.lock() else { return };
        let route = route_label(path).to_string();
        *m.requests.entry((route.clone(), status)).or_insert(0) += 1;
        let h = m.latency.entry(route).or_default();
        for (c, b) in h.counts.iter_mut().zip(BUCKETS) {
            if secs <= b {
                *c += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Counts predicted classes (or `value` for regression).
    pub fn count_predictions(&self, preds: &[Value]) {
        let Ok(mut m) = self.inner.lock() else { return };
        for p in preds {
            let key = match p {
                Value::String(s) => s.clone(),
                _ => "value".to_string(),
            };
            *m.predictions.entry(key).or_insert(0) += 1;
        }
    }

    /// Sets the drift gauges from a check.
    pub fn set_drift(&self, r: &MonitorReport) {
        let Ok(mut m) = self.inner.lock() else { return };
        m.drift.clear();
        m.drift_stats.clear();
        for c in &r.columns {
            let e = m.drift.entry(c.name.clone()).or_insert(0.0);
            if c.drift {
                *e = 1.0;
            }
            m.drift_stats
                .insert((c.name.clone(), c.test.clone()), c.statistic);
        }
        m.prediction_drift = r
            .prediction_drift
            .as_ref()
            .map(|p| if p.drift { 1.0 } else { 0.0 });
        if let Some(p) = &r.performance {
            m.score = p
                .current_score
                .map(|s| (p.metric.as_str().to_string(), s, p.validation_score));
        }
    }

    /// Sets the feedback score gauge.
    pub fn set_performance(&self, p: &Performance) {
        let Ok(mut m) = self.inner.lock() else { return };
        m.score = p
            .current_score
            .map(|s| (p.metric.as_str().to_string(), s, p.validation_score));
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let Ok(m) = self.inner.lock() else {
            return String::new();
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP mlpilot_requests_total Requests by route and status."
        );
        let _ = writeln!(out, "# TYPE mlpilot_requests_total counter");
        for ((route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "mlpilot_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP mlpilot_errors_total Requests answered with a 4xx or 5xx status."
        );
        let _ = writeln!(out, "# TYPE mlpilot_errors_total counter");
        let mut errors: BTreeMap<&str, u64> = BTreeMap::new();
        for ((route, status), n) in &m.requests {
            if *status >= 400 {
                *errors.entry(route).or_insert(0) += n;
            }
        }
        for (route, n) in errors {
            let _ = writeln!(out, "mlpilot_errors_total{{route=\"{route}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP mlpilot_request_duration_seconds Request latency."
        );
        let _ = writeln!(out, "# TYPE mlpilot_request_duration_seconds histogram");
        for (route, h) in &m.latency {
            for (c, b) in h.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "mlpilot_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {c}"
                );
            }
            let _ = writeln!(
                out,
                "mlpilot_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "mlpilot_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "mlpilot_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP mlpilot_predictions_total Predictions by predicted class."
        );
        let _ = writeln!(out, "# TYPE mlpilot_predictions_total counter");
        for (class, n) in &m.predictions {
            let _ = writeln!(
                out,
                "mlpilot_predictions_total{{class=\"{}\"}} {n}",
                escape(class)
            );
        }
        let _ = writeln!(
            out,
            "# HELP mlpilot_drift Whether the latest check found drift in a column (1) or not (0)."
        );
        let _ = writeln!(out, "# TYPE mlpilot_drift gauge");
        for (col, v) in &m.drift {
            let _ = writeln!(out, "mlpilot_drift{{column=\"{}\"}} {v}", escape(col));
        }
        let _ = writeln!(
            out,
            "# HELP mlpilot_drift_statistic The latest drift statistic per column and test."
        );
        let _ = writeln!(out, "# TYPE mlpilot_drift_statistic gauge");
        for ((col, test), v) in &m.drift_stats {
            let _ = writeln!(
                out,
                "mlpilot_drift_statistic{{column=\"{}\",test=\"{test}\"}} {v}",
                escape(col)
            );
        }
        if let Some(v) = m.prediction_drift {
            let _ = writeln!(
                out,
                "# HELP mlpilot_prediction_drift Whether predictions drifted."
            );
            let _ = writeln!(out, "# TYPE mlpilot_prediction_drift gauge");
            let _ = writeln!(out, "mlpilot_prediction_drift {v}");
        }
        if let Some((metric, s, v)) = &m.score {
            let _ = writeln!(
                out,
                "# HELP mlpilot_feedback_score The metric on feedback labels, and at validation."
            );
            let _ = writeln!(out, "# TYPE mlpilot_feedback_score gauge");
            let _ = writeln!(
                out,
                "mlpilot_feedback_score{{metric=\"{metric}\",on=\"feedback\"}} {s}"
            );
            let _ = writeln!(
                out,
                "mlpilot_feedback_score{{metric=\"{metric}\",on=\"validation\"}} {v}"
            );
        }
        out
    }
}

#[cfg(test)]
mod route_tests {
    use super::*;

    #[test]
    fn known_routes_keep_their_label_and_others_are_pooled() {
        let m = Metrics::new();
        m.observe("/v1/forecast", 200, 0.01);
        m.observe("/v1/does-not-exist", 404, 0.01);
        let text = m.render();
        assert!(text.contains("mlpilot_requests_total{route=\"/v1/forecast\",status=\"200\"} 1"));
        assert!(text.contains("mlpilot_requests_total{route=\"other\",status=\"404\"} 1"));
    }
}
