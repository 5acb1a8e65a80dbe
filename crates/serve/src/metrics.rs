//! Prometheus metrics: requests and errors by route and status, a latency histogram per route,
//! predictions per class, and drift gauges from the latest check, kept by `prometheus-client`
//! and written in the OpenMetrics text format.

use std::sync::atomic::AtomicU64;

use mlpilot_monitor::{MonitorReport, Performance};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use serde_json::Value;

/// Latency histogram bucket bounds, in seconds.
pub const BUCKETS: [f64; 14] = [
    0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The content type of [`Metrics::render`]'s text (OpenMetrics, which Prometheus reads).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClassLabels {
    class: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ColumnLabels {
    column: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ColumnTestLabels {
    column: String,
    test: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ScoreLabels {
    metric: String,
    on: String,
}

/// No labels: a gauge that is only written once it has a value.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NoLabels {}

type FloatGauge = Gauge<f64, AtomicU64>;

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The server's metrics, kept and written by `prometheus-client`.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    errors: Family<RouteLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    predictions: Family<ClassLabels, Counter>,
    drift: Family<ColumnLabels, FloatGauge>,
    drift_statistic: Family<ColumnTestLabels, FloatGauge>,
    prediction_drift: Family<NoLabels, FloatGauge>,
    feedback_score: Family<ScoreLabels, FloatGauge>,
    /// Held while the gauges of a check are replaced and while the exposition is written, so
    /// that a scrape never sees a check's columns half cleared.
    gauges: std::sync::Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// A label value as the text format needs it: `prometheus-client` writes label values as they
/// are, and a class or column name may hold `"`, `\` or a line break.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Known routes keep their path as a label; anything else is `other` (bounded cardinality).
fn route_label(path: &str) -> &str {
    match path {
        "/v1/predict" | "/v1/explain" | "/v1/feedback" | "/v1/model" | "/v1/monitor"
        | "/v1/forecast" | "/healthz" | "/metrics" => path,
        _ => "other",
    }
}

impl Metrics {
    /// Empty metrics, registered under their `mlpilot_` names.
    pub fn new() -> Self {
        let m = Metrics {
            registry: Registry::default(),
            requests: Family::default(),
            errors: Family::default(),
            latency: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
            predictions: Family::default(),
            drift: Family::default(),
            drift_statistic: Family::default(),
            prediction_drift: Family::default(),
            feedback_score: Family::default(),
            gauges: std::sync::Mutex::new(()),
        };
        let mut registry = Registry::default();
        registry.register(
            "mlpilot_requests",
            "Requests by route and status",
            m.requests.clone(),
        );
        registry.register(
            "mlpilot_errors",
            "Requests answered with a 4xx or 5xx status",
            m.errors.clone(),
        );
        registry.register_with_unit(
            "mlpilot_request_duration",
            "Request latency",
            Unit::Seconds,
            m.latency.clone(),
        );
        registry.register(
            "mlpilot_predictions",
            "Predictions by predicted class",
            m.predictions.clone(),
        );
        registry.register(
            "mlpilot_drift",
            "Whether the latest check found drift in a column (1) or not (0)",
            m.drift.clone(),
        );
        registry.register(
            "mlpilot_drift_statistic",
            "The latest drift statistic per column and test",
            m.drift_statistic.clone(),
        );
        registry.register(
            "mlpilot_prediction_drift",
            "Whether predictions drifted in the latest check (1) or not (0)",
            m.prediction_drift.clone(),
        );
        registry.register(
            "mlpilot_feedback_score",
            "The metric on feedback labels, and at validation",
            m.feedback_score.clone(),
        );
        Metrics { registry, ..m }
    }

    /// Records one request.
    pub fn observe(&self, path: &str, status: u16, secs: f64) {
        let route = route_label(path).to_string();
        self.requests
            .get_or_create(&RequestLabels {
                route: route.clone(),
                status,
            })
            .inc();
        if status >= 400 {
            self.errors
                .get_or_create(&RouteLabels {
                    route: route.clone(),
                })
                .inc();
        }
        self.latency
            .get_or_create(&RouteLabels { route })
            .observe(secs);
    }

    /// Counts predicted classes (or `value` for regression).
    pub fn count_predictions(&self, preds: &[Value]) {
        for p in preds {
            let class = match p {
                Value::String(s) => escape(s),
                _ => "value".to_string(),
            };
            self.predictions.get_or_create(&ClassLabels { class }).inc();
        }
    }

    /// The lock over the gauges; a panic elsewhere while it was held leaves nothing half done
    /// that matters more than serving the metrics, so a poisoned lock is taken as it is.
    fn gauges(&self) -> std::sync::MutexGuard<'_, ()> {
        self.gauges
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sets the drift gauges from a check (the previous check's columns are forgotten), as one
    /// step for a scrape.
    pub fn set_drift(&self, r: &MonitorReport) {
        let _held = self.gauges();
        self.drift.clear();
        self.drift_statistic.clear();
        for c in &r.columns {
            let column = escape(&c.name);
            let g = self.drift.get_or_create(&ColumnLabels {
                column: column.clone(),
            });
            if c.drift {
                g.set(1.0);
            }
            self.drift_statistic
                .get_or_create(&ColumnTestLabels {
                    column,
                    test: c.test.clone(),
                })
                .set(c.statistic);
        }
        self.prediction_drift.clear();
        if let Some(p) = &r.prediction_drift {
            self.prediction_drift
                .get_or_create(&NoLabels {})
                .set(if p.drift { 1.0 } else { 0.0 });
        }
        if let Some(p) = &r.performance {
            self.replace_scores(p);
        }
    }

    /// Sets the feedback score gauges (none while the feedback holds no score).
    pub fn set_performance(&self, p: &Performance) {
        let _held = self.gauges();
        self.replace_scores(p);
    }

    fn replace_scores(&self, p: &Performance) {
        self.feedback_score.clear();
        let Some(current) = p.current_score else {
            return;
        };
        for (on, v) in [("feedback", current), ("validation", p.validation_score)] {
            self.feedback_score
                .get_or_create(&ScoreLabels {
                    metric: p.metric.as_str().to_string(),
                    on: on.to_string(),
                })
                .set(v);
        }
    }

    /// The exposition in the OpenMetrics text format ([`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let _held = self.gauges();
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!("the metrics could not be written: {e}");
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

    #[test]
    fn the_exposition_holds_every_family_with_known_values() {
        let m = Metrics::new();
        m.observe("/v1/predict", 200, 0.003);
        m.observe("/v1/predict", 422, 0.0001);
        m.count_predictions(&[
            Value::String("yes".into()),
            Value::String("yes".into()),
            Value::from(2.5),
        ]);
        m.count_predictions(&[Value::String("5\" screen\\\nnew".into())]);
        let text = m.render();
        for line in [
            // Quotes, backslashes and line breaks in a class are escaped.
            r#"mlpilot_predictions_total{class="5\" screen\\\nnew"} 1"#,
            "# TYPE mlpilot_requests counter",
            "mlpilot_errors_total{route=\"/v1/predict\"} 1",
            "# UNIT mlpilot_request_duration_seconds seconds",
            // 0.0001 s and 0.003 s: one at or below 0.0002 s, both at or below 0.005 s.
            "mlpilot_request_duration_seconds_bucket{le=\"0.0002\",route=\"/v1/predict\"} 1",
            "mlpilot_request_duration_seconds_bucket{le=\"0.005\",route=\"/v1/predict\"} 2",
            "mlpilot_request_duration_seconds_count{route=\"/v1/predict\"} 2",
            "mlpilot_predictions_total{class=\"yes\"} 2",
            "mlpilot_predictions_total{class=\"value\"} 1",
            "# EOF",
        ] {
            assert!(text.contains(line), "no `{line}` in\n{text}");
        }
        // No check yet: no drift gauge has a value.
        assert!(!text.contains("mlpilot_prediction_drift{"), "{text}");
        assert!(!text.contains("\nmlpilot_prediction_drift "), "{text}");
    }

    /// While checks replace the drift gauges, every scrape sees a whole check: all its columns
    /// or, before the first, none.
    #[test]
    fn a_scrape_never_sees_a_check_half_written() {
        let report = |drift: bool| {
            let columns = (0..COLUMNS)
                .map(|i| mlpilot_monitor::ColumnDrift {
                    name: format!("c{i}"),
                    test: "psi".into(),
                    statistic: i as f64,
                    p_value: None,
                    threshold: 0.2,
                    drift,
                })
                .collect();
            mlpilot_monitor::report(100, 100, columns, Vec::new(), None, None)
        };
        const COLUMNS: usize = 300;
        let reports = [report(true), report(false)];
        let m = std::sync::Arc::new(Metrics::new());
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let (m, done) = (std::sync::Arc::clone(&m), std::sync::Arc::clone(&done));
            std::thread::spawn(move || {
                for k in 0..400 {
                    m.set_drift(&reports[k % 2]);
                }
                done.store(true, std::sync::atomic::Ordering::SeqCst);
            })
        };
        let mut scrapes = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) || scrapes < 20 {
            let text = m.render();
            let n = text
                .lines()
                .filter(|l| l.starts_with("mlpilot_drift_statistic{"))
                .count();
            assert!(n == 0 || n == COLUMNS, "{n} columns in a scrape");
            scrapes += 1;
        }
        writer.join().unwrap();
    }
}
