//! Hyperparameter search spaces and parameter sets.
//!
//! A backend describes what can be tuned with a [`SearchSpace`]: typed parameters (float,
//! log-scaled float, integer, categorical), each with a default and optionally a condition
//! ("only when `kernel` is `rbf`"). Samplers work in the unit cube through
//! [`SearchSpace::to_unit`] and [`SearchSpace::from_unit`], so one sampler serves every
//! backend. A [`ParamSet`] is one assignment; [`SearchSpace::validate`] checks it once, at the
//! boundary, before a backend turns it into its typed parameters.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One parameter value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ParamValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string (categorical choice).
    Str(String),
}

impl ParamValue {
    /// The value as a float (integers and booleans convert).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ParamValue::Float(f) => Some(*f),
            ParamValue::Int(i) => Some(*i as f64),
            ParamValue::Bool(b) => Some(f64::from(u8::from(*b))),
            ParamValue::Str(_) => None,
        }
    }

    /// The value as an integer (whole floats convert).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            ParamValue::Int(i) => Some(*i),
            ParamValue::Float(f) if f.fract() == 0.0 && f.is_finite() => Some(*f as i64),
            ParamValue::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// The value as a string slice.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ParamValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ParamValue::Bool(b) => Some(*b),
            ParamValue::Str(s) => match s.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(x) => {
                if x.abs() >= 1e-3 && x.abs() < 1e5 || *x == 0.0 {
                    write!(f, "{}", (x * 1e6).round() / 1e6)
                } else {
                    write!(f, "{x:.3e}")
                }
            }
            ParamValue::Str(s) => f.write_str(s),
        }
    }
}

impl From<f64> for ParamValue {
    fn from(v: f64) -> Self {
        ParamValue::Float(v)
    }
}
impl From<i64> for ParamValue {
    fn from(v: i64) -> Self {
        ParamValue::Int(v)
    }
}
impl From<bool> for ParamValue {
    fn from(v: bool) -> Self {
        ParamValue::Bool(v)
    }
}
impl From<&str> for ParamValue {
    fn from(v: &str) -> Self {
        ParamValue::Str(v.to_string())
    }
}

/// An assignment of values to parameters, ordered by name.
///
/// ```
/// use mlpilot_core::ParamSet;
/// let p = ParamSet::new().with("learning_rate", 0.1).with("max_leaves", 31i64);
/// assert_eq!(p.f64_or("learning_rate", 0.3), 0.1);
/// assert_eq!(p.i64_or("max_leaves", 7), 31);
/// assert_eq!(p.i64_or("missing", 7), 7);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ParamSet {
    values: BTreeMap<String, ParamValue>,
}

impl ParamSet {
    /// An empty set.
    pub fn new() -> Self {
        ParamSet::default()
    }

    /// Adds or replaces a value (builder style).
    pub fn with(mut self, name: &str, value: impl Into<ParamValue>) -> Self {
        self.values.insert(name.to_string(), value.into());
        self
    }

    /// Adds or replaces a value.
    pub fn insert(&mut self, name: &str, value: impl Into<ParamValue>) {
        self.values.insert(name.to_string(), value.into());
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.values.get(name)
    }

    /// Removes `name`.
    pub fn remove(&mut self, name: &str) -> Option<ParamValue> {
        self.values.remove(name)
    }

    /// The value of `name` as a float, or `default`.
    pub fn f64_or(&self, name: &str, default: f64) -> f64 {
        self.get(name)
            .and_then(ParamValue::as_f64)
            .unwrap_or(default)
    }

    /// The value of `name` as an integer, or `default`.
    pub fn i64_or(&self, name: &str, default: i64) -> i64 {
        self.get(name)
            .and_then(ParamValue::as_i64)
            .unwrap_or(default)
    }

    /// The value of `name` as a non-negative count, or `default`.
    pub fn usize_or(&self, name: &str, default: usize) -> usize {
        self.get(name)
            .and_then(ParamValue::as_i64)
            .map_or(default, |v| v.max(0) as usize)
    }

    /// The value of `name` as a string, or `default`.
    pub fn str_or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.get(name)
            .and_then(ParamValue::as_str)
            .unwrap_or(default)
    }

    /// The value of `name` as a boolean, or `default`.
    pub fn bool_or(&self, name: &str, default: bool) -> bool {
        self.get(name)
            .and_then(ParamValue::as_bool)
            .unwrap_or(default)
    }

    /// The (name, value) pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Reads the set into an estimator's typed parameters ([`Params`]): each name is a field,
    /// absent fields take the type's defaults. Integers convert to float fields; strings to
    /// enums by their serde names.
    ///
    /// # Errors
    /// An invalid-input error naming the problem when a name is not a field of `P` or a value
    /// does not have the field's type.
    pub fn to_params<P: Params>(&self) -> Result<P> {
        let map: serde_json::Map<String, serde_json::Value> = self
            .values
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        serde_json::from_value(serde_json::Value::Object(map))
            .map_err(|e| Error::invalid_input(format!("parameters {self}: {e}")))
    }

    /// Writes typed parameters as a set (fields that are `None` are left out: they mean "chosen
    /// from the data").
    ///
    /// # Errors
    /// An invalid-input error when `P` does not serialise as a map of numbers, booleans and
    /// strings.
    pub fn from_params<P: Params>(params: &P) -> Result<ParamSet> {
        let value = serde_json::to_value(params)
            .map_err(|e| Error::invalid_input(format!("parameters {params:?}: {e}")))?;
        let serde_json::Value::Object(map) = value else {
            return Err(Error::invalid_input(format!(
                "parameters {params:?} are not a map of names to values"
            )));
        };
        let mut out = ParamSet::new();
        for (name, v) in map {
            let value = match v {
                serde_json::Value::Null => continue,
                serde_json::Value::Bool(b) => ParamValue::Bool(b),
                serde_json::Value::String(s) => ParamValue::Str(s),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) if !n.is_f64() => ParamValue::Int(i),
                    _ => ParamValue::Float(n.as_f64().unwrap_or(f64::NAN)),
                },
                other => {
                    return Err(Error::invalid_input(format!(
                        "parameter `{name}` is {other}, not a number, boolean or string"
                    )));
                }
            };
            out.values.insert(name, value);
        }
        Ok(out)
    }
}

impl ParamValue {
    fn to_json(&self) -> serde_json::Value {
        match self {
            ParamValue::Bool(b) => serde_json::Value::Bool(*b),
            ParamValue::Int(i) => serde_json::Value::from(*i),
            ParamValue::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            ParamValue::Str(s) => serde_json::Value::String(s.clone()),
        }
    }
}

/// An estimator's typed parameters, in the spirit of linfa's `ParamGuard`: a plain struct with
/// serde names equal to the search space's parameter names, `Default` holding the library's
/// defaults (the one place they live: the search space reads them), and [`Params::validate`]
/// checking what a caller may get wrong.
///
/// Derive it with `#[serde(default, deny_unknown_fields)]`, so a set with a name the struct
/// lacks is refused and absent names take the defaults. A field whose default depends on the
/// data (scikit-learn's `max_features = "sqrt"`) is an `Option`, `None` meaning "chosen from the
/// data" by a rule the search space applies too.
pub trait Params:
    Serialize + serde::de::DeserializeOwned + Default + Clone + fmt::Debug + Send + Sync + 'static
{
    /// Checks every value: ranges, and relations between values the search space cannot say.
    ///
    /// # Errors
    /// An invalid-input error naming the parameter, its value and what is allowed.
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// The parameters of an estimator with nothing to tune.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

impl Params for NoParams {}

/// Checks that a typed parameter lies in `[low, high]` (inclusive; NaN is refused), for
/// [`Params::validate`].
///
/// # Errors
/// An invalid-input error naming the parameter, the value and the range.
pub fn check_range<T: PartialOrd + fmt::Display + Copy>(
    name: &str,
    value: T,
    low: T,
    high: T,
) -> Result<()> {
    if value >= low && value <= high {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "parameter `{name}` is {value}; it must be between {low} and {high}"
        )))
    }
}

impl fmt::Display for ParamSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

/// The values a parameter may take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Domain {
    /// A float in `[low, high]`, searched uniformly or on a log scale.
    Float {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
        /// Search on a log scale (`low` must be positive).
        log: bool,
    },
    /// An integer in `[low, high]`, searched uniformly or on a log scale.
    Int {
        /// Lower bound.
        low: i64,
        /// Upper bound.
        high: i64,
        /// Search on a log scale (`low` must be positive).
        log: bool,
    },
    /// One of a list of values.
    Categorical {
        /// The choices.
        choices: Vec<ParamValue>,
    },
}

/// A condition making a parameter active only for some values of another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// The parameter it depends on.
    pub parent: String,
    /// The parent's values for which this parameter is active.
    pub values: Vec<ParamValue>,
}

/// One tunable parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// The name the backend reads.
    pub name: String,
    /// Its domain.
    pub domain: Domain,
    /// The value used when not searched (and the first one tried).
    pub default: ParamValue,
    /// When it is active.
    pub condition: Option<Condition>,
}

/// The hyperparameters of an estimator.
///
/// ```
/// use mlpilot_core::SearchSpace;
/// let space = SearchSpace::new()
///     .log_float("learning_rate", 0.01, 1.0, 0.1)
///     .int("max_leaves", 4, 256, 31)
///     .categorical("kernel", &["rbf", "linear"], "rbf")
///     .log_float("gamma", 1e-4, 10.0, 0.1)
///     .when("kernel", &["rbf"]);
/// let defaults = space.defaults();
/// assert_eq!(defaults.f64_or("learning_rate", 0.0), 0.1);
/// // Round trip through the unit cube that samplers work in.
/// let u = space.to_unit(&defaults);
/// let back = space.from_unit(&u);
/// assert!((back.f64_or("learning_rate", 0.0) - 0.1).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SearchSpace {
    /// The parameters, in order.
    pub params: Vec<Param>,
}

impl SearchSpace {
    /// An empty space.
    pub fn new() -> Self {
        SearchSpace::default()
    }

    /// Adds a uniformly searched float.
    pub fn float(mut self, name: &str, low: f64, high: f64, default: f64) -> Self {
        self.params.push(Param {
            name: name.into(),
            domain: Domain::Float {
                low,
                high,
                log: false,
            },
            default: ParamValue::Float(default),
            condition: None,
        });
        self
    }

    /// Adds a float searched on a log scale.
    pub fn log_float(mut self, name: &str, low: f64, high: f64, default: f64) -> Self {
        self.params.push(Param {
            name: name.into(),
            domain: Domain::Float {
                low,
                high,
                log: true,
            },
            default: ParamValue::Float(default),
            condition: None,
        });
        self
    }

    /// Adds a uniformly searched integer.
    pub fn int(mut self, name: &str, low: i64, high: i64, default: i64) -> Self {
        self.params.push(Param {
            name: name.into(),
            domain: Domain::Int {
                low,
                high,
                log: false,
            },
            default: ParamValue::Int(default),
            condition: None,
        });
        self
    }

    /// Adds an integer searched on a log scale.
    pub fn log_int(mut self, name: &str, low: i64, high: i64, default: i64) -> Self {
        self.params.push(Param {
            name: name.into(),
            domain: Domain::Int {
                low,
                high,
                log: true,
            },
            default: ParamValue::Int(default),
            condition: None,
        });
        self
    }

    /// Adds a categorical parameter with string choices.
    pub fn categorical(mut self, name: &str, choices: &[&str], default: &str) -> Self {
        self.params.push(Param {
            name: name.into(),
            domain: Domain::Categorical {
                choices: choices.iter().map(|c| ParamValue::from(*c)).collect(),
            },
            default: ParamValue::from(default),
            condition: None,
        });
        self
    }

    /// Adds a boolean parameter.
    pub fn boolean(mut self, name: &str, default: bool) -> Self {
        self.params.push(Param {
            name: name.into(),
            domain: Domain::Categorical {
                choices: vec![ParamValue::Bool(false), ParamValue::Bool(true)],
            },
            default: ParamValue::Bool(default),
            condition: None,
        });
        self
    }

    /// Makes the last added parameter active only when `parent` takes one of `values`.
    pub fn when(mut self, parent: &str, values: &[&str]) -> Self {
        if let Some(p) = self.params.last_mut() {
            p.condition = Some(Condition {
                parent: parent.into(),
                values: values.iter().map(|v| ParamValue::from(*v)).collect(),
            });
        }
        self
    }

    /// The parameter called `name`.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Whether the space has no parameters.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// The number of parameters (the dimension of the unit cube).
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// Every parameter at its default.
    pub fn defaults(&self) -> ParamSet {
        let mut set = ParamSet::new();
        for p in &self.params {
            set.insert(&p.name, p.default.clone());
        }
        self.drop_inactive(set)
    }

    /// Whether `param` is active under the assignment `set`.
    pub fn is_active(&self, param: &Param, set: &ParamSet) -> bool {
        match &param.condition {
            None => true,
            Some(c) => set.get(&c.parent).is_some_and(|v| c.values.contains(v)),
        }
    }

    fn drop_inactive(&self, mut set: ParamSet) -> ParamSet {
        for p in &self.params {
            if !self.is_active(p, &set) {
                set.remove(&p.name);
            }
        }
        set
    }

    /// Checks an assignment: every name must be a parameter of the space, every value in its
    /// domain. Missing parameters take their defaults; inactive ones are removed.
    ///
    /// # Errors
    /// An invalid-input error when a name is not a parameter of the space (listing them) or a value
    /// is outside its parameter's domain (naming the parameter).
    pub fn validate(&self, set: &ParamSet) -> Result<ParamSet> {
        for (name, _) in set.iter() {
            if self.param(name).is_none() {
                return Err(Error::invalid_input(format!(
                    "unknown parameter `{name}`; the parameters are: {}",
                    self.params
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        let mut out = ParamSet::new();
        for p in &self.params {
            let v = set
                .get(&p.name)
                .cloned()
                .unwrap_or_else(|| p.default.clone());
            check_in_domain(p, &v)?;
            out.insert(&p.name, normalise(&p.domain, v));
        }
        Ok(self.drop_inactive(out))
    }

    /// The nearest assignment this space accepts: numbers clamped into their ranges (integers
    /// stay integers), values outside a categorical domain and missing names replaced by the
    /// defaults, unknown names dropped. For moving a configuration found for one data shape to
    /// a space built for another (a subsample, whose ranges can be narrower).
    pub fn clamp(&self, set: &ParamSet) -> ParamSet {
        let mut out = ParamSet::new();
        for p in &self.params {
            let v = set
                .get(&p.name)
                .cloned()
                .unwrap_or_else(|| p.default.clone());
            let v = match (&p.domain, &v) {
                (Domain::Float { low, high, .. }, _) => match v.as_f64() {
                    Some(x) if x.is_finite() => ParamValue::Float(x.clamp(*low, *high)),
                    _ => p.default.clone(),
                },
                (Domain::Int { low, high, .. }, _) => match v.as_i64() {
                    Some(x) => ParamValue::Int(x.clamp(*low, *high)),
                    None => p.default.clone(),
                },
                (Domain::Categorical { .. }, _) => {
                    if check_in_domain(p, &v).is_ok() {
                        v
                    } else {
                        p.default.clone()
                    }
                }
            };
            out.insert(&p.name, normalise(&p.domain, v));
        }
        self.drop_inactive(out)
    }

    /// The assignment as a point in the unit cube, one coordinate per parameter (inactive or
    /// missing parameters map to their default's coordinate).
    pub fn to_unit(&self, set: &ParamSet) -> Vec<f64> {
        self.params
            .iter()
            .map(|p| {
                let v = set.get(&p.name).unwrap_or(&p.default);
                value_to_unit(&p.domain, v)
            })
            .collect()
    }

    /// The assignment at a point of the unit cube (coordinates are clamped to `[0, 1]`;
    /// missing coordinates take the default).
    pub fn from_unit(&self, u: &[f64]) -> ParamSet {
        let mut set = ParamSet::new();
        for (i, p) in self.params.iter().enumerate() {
            let v = match u.get(i) {
                Some(x) => unit_to_value(&p.domain, x.clamp(0.0, 1.0)),
                None => p.default.clone(),
            };
            set.insert(&p.name, v);
        }
        self.drop_inactive(set)
    }
}

fn check_in_domain(p: &Param, v: &ParamValue) -> Result<()> {
    let bad = |what: String| {
        Err(
            Error::invalid_input(format!("parameter `{}` = {v}: {what}", p.name))
                .with_context("parameter", &p.name),
        )
    };
    match &p.domain {
        Domain::Float { low, high, .. } => match v.as_f64() {
            Some(x) if x.is_finite() && x >= *low - 1e-12 && x <= *high + 1e-12 => Ok(()),
            Some(_) => bad(format!("must be between {low} and {high}")),
            None => bad("must be a number".into()),
        },
        Domain::Int { low, high, .. } => match v.as_i64() {
            Some(x) if x >= *low && x <= *high => Ok(()),
            Some(_) => bad(format!("must be between {low} and {high}")),
            None => bad("must be an integer".into()),
        },
        Domain::Categorical { choices } => {
            if choices.contains(v) {
                Ok(())
            } else {
                bad(format!(
                    "must be one of {}",
                    choices
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
    }
}

fn normalise(domain: &Domain, v: ParamValue) -> ParamValue {
    match domain {
        Domain::Float { .. } => v.as_f64().map_or(v, ParamValue::Float),
        Domain::Int { .. } => v.as_i64().map_or(v, ParamValue::Int),
        Domain::Categorical { .. } => v,
    }
}

fn value_to_unit(domain: &Domain, v: &ParamValue) -> f64 {
    let scale = |x: f64, low: f64, high: f64, log: bool| -> f64 {
        if high <= low {
            return 0.5;
        }
        let t = if log && low > 0.0 {
            (x.max(low).ln() - low.ln()) / (high.ln() - low.ln())
        } else {
            (x - low) / (high - low)
        };
        t.clamp(0.0, 1.0)
    };
    match domain {
        Domain::Float { low, high, log } => scale(v.as_f64().unwrap_or(*low), *low, *high, *log),
        Domain::Int { low, high, log } => {
            // Integers occupy equal-width cells of the unit interval: value k sits at the
            // centre of its cell so that from_unit(to_unit(k)) == k.
            let (lo, hi) = (*low as f64 - 0.5, *high as f64 + 0.5);
            let x = v.as_i64().unwrap_or(*low) as f64;
            if *log && *low > 0 {
                scale(x, lo.max(0.5), hi, true)
            } else {
                scale(x, lo, hi, false)
            }
        }
        Domain::Categorical { choices } => {
            let k = choices.len().max(1);
            let i = choices.iter().position(|c| c == v).unwrap_or(0);
            (i as f64 + 0.5) / k as f64
        }
    }
}

fn unit_to_value(domain: &Domain, u: f64) -> ParamValue {
    let unscale = |low: f64, high: f64, log: bool| -> f64 {
        if log && low > 0.0 {
            (low.ln() + u * (high.ln() - low.ln())).exp()
        } else {
            low + u * (high - low)
        }
    };
    match domain {
        Domain::Float { low, high, log } => {
            ParamValue::Float(unscale(*low, *high, *log).clamp(*low, *high))
        }
        Domain::Int { low, high, log } => {
            let (lo, hi) = (*low as f64 - 0.5, *high as f64 + 0.5);
            let x = if *log && *low > 0 {
                unscale(lo.max(0.5), hi, true)
            } else {
                unscale(lo, hi, false)
            };
            ParamValue::Int((x.round() as i64).clamp(*low, *high))
        }
        Domain::Categorical { choices } => {
            let k = choices.len();
            let i = ((u * k as f64).floor() as usize).min(k.saturating_sub(1));
            choices.get(i).cloned().unwrap_or(ParamValue::Bool(false))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamping_moves_an_assignment_into_a_narrower_space() {
        let wide = SearchSpace::new()
            .log_int("leaves", 4, 1000, 31)
            .float("frac", 0.0, 1.0, 0.5)
            .categorical("mode", &["a", "b"], "a");
        let narrow = SearchSpace::new()
            .log_int("leaves", 4, 100, 31)
            .float("frac", 0.2, 1.0, 0.5)
            .categorical("mode", &["a"], "a");
        let p = wide
            .validate(
                &ParamSet::new()
                    .with("leaves", 500i64)
                    .with("frac", 0.1)
                    .with("mode", "b"),
            )
            .unwrap();
        let c = narrow.clamp(&p);
        assert_eq!(c.i64_or("leaves", 0), 100);
        assert_eq!(c.f64_or("frac", 0.0), 0.2);
        assert_eq!(c.str_or("mode", ""), "a");
        assert!(narrow.validate(&c).is_ok());
        // A valid assignment is unchanged; unknown names are dropped.
        let q = narrow
            .validate(&ParamSet::new().with("leaves", 50i64))
            .unwrap();
        assert_eq!(narrow.clamp(&q), q);
        assert_eq!(narrow.clamp(&q.clone().with("other", 1i64)), q);
    }

    fn space() -> SearchSpace {
        SearchSpace::new()
            .log_float("lr", 0.001, 1.0, 0.1)
            .log_int("leaves", 4, 1024, 31)
            .int("depth", 1, 10, 6)
            .categorical("kernel", &["rbf", "linear", "poly"], "rbf")
            .float("gamma", 0.0, 1.0, 0.5)
            .when("kernel", &["rbf"])
            .boolean("fit_intercept", true)
    }

    #[test]
    fn validate_fills_defaults_and_rejects_bad_values() {
        let s = space();
        let p = s.validate(&ParamSet::new().with("lr", 0.5)).unwrap();
        assert_eq!(p.f64_or("lr", 0.0), 0.5);
        assert_eq!(p.i64_or("leaves", 0), 31);
        assert!(p.get("gamma").is_some());
        let lin = s
            .validate(&ParamSet::new().with("kernel", "linear"))
            .unwrap();
        assert!(lin.get("gamma").is_none(), "inactive parameter dropped");
        let err = s.validate(&ParamSet::new().with("lr", 5.0)).unwrap_err();
        assert!(err.to_string().contains("between 0.001 and 1"), "{err}");
        let err = s.validate(&ParamSet::new().with("nope", 1.0)).unwrap_err();
        assert!(
            err.to_string().contains("unknown parameter `nope`"),
            "{err}"
        );
        let err = s
            .validate(&ParamSet::new().with("kernel", "sigmoid"))
            .unwrap_err();
        assert!(
            err.to_string().contains("one of rbf, linear, poly"),
            "{err}"
        );
    }

    #[test]
    fn unit_round_trip_for_every_value() {
        let s = space();
        for leaves in [4, 5, 31, 1000, 1024] {
            for depth in 1..=10 {
                for kernel in ["rbf", "linear", "poly"] {
                    let set = s
                        .validate(
                            &ParamSet::new()
                                .with("leaves", leaves)
                                .with("depth", depth)
                                .with("kernel", kernel),
                        )
                        .unwrap();
                    let back = s.from_unit(&s.to_unit(&set));
                    assert_eq!(back.i64_or("leaves", 0), leaves);
                    assert_eq!(back.i64_or("depth", 0), depth);
                    assert_eq!(back.str_or("kernel", ""), kernel);
                }
            }
        }
    }

    #[test]
    fn from_unit_stays_in_domain() {
        let s = space();
        for i in 0..=20 {
            let u = vec![i as f64 / 20.0; s.len()];
            let set = s.from_unit(&u);
            assert!(s.validate(&set).is_ok(), "{set}");
        }
    }

    #[test]
    fn display_is_compact() {
        let p = ParamSet::new()
            .with("a", 0.123_456_789)
            .with("b", 1e-7)
            .with("c", "x");
        assert_eq!(p.to_string(), "a=0.123457, b=1.000e-7, c=x");
    }
}
