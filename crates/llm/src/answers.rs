//! What a language model answers with, as serde types. The JSON schema a model is asked to follow
//! is derived from these types (`schemars`), so the schema and the parser cannot disagree: a kind
//! or an action added to an enum is in the schema and must be handled by the exhaustive `match`
//! that reads it. The table's own names (its columns, the metrics of the task, the model
//! families) are then put into the derived schema as enums with [`restrict`].
//!
//! The answers are still checked after they parse: a column must exist, a metric must fit the
//! task, a number must be sensible (see [`crate::advisor::parse_proposal`],
//! [`crate::features::feature_from_json`], [`crate::requests::request_from_json`]).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// The schema of `T` with every sub-schema inlined (no `$ref`: small servers turn schemas into
/// grammars and not all follow references) and without the `$schema` and `title` keys.
pub(crate) fn schema_for<T: JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft07()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let mut v = generator.into_root_schema_for::<T>().to_value();
    if let Some(o) = v.as_object_mut() {
        o.remove("title");
    }
    v
}

/// The schema of an object whose one property, `name`, is a list of `T` (an answer that holds
/// several proposals, each then checked on its own).
pub(crate) fn list_schema<T: JsonSchema>(name: &str) -> Value {
    serde_json::json!({
        "type": "object",
        "properties": { name: { "type": "array", "items": schema_for::<T>() } },
        "required": [name]
    })
}

/// The sub-schema at `path` (property names from the root; arrays are stepped into through
/// their `items`, also at the end).
fn node_mut<'a>(
    schema: &'a mut Value,
    path: &[&str],
) -> Option<&'a mut serde_json::Map<String, Value>> {
    let mut pointer = String::new();
    let items = |schema: &Value, pointer: &mut String| {
        if schema.pointer(&format!("{pointer}/items")).is_some() {
            pointer.push_str("/items");
        }
    };
    for name in path {
        items(schema, &mut pointer);
        pointer.push_str("/properties/");
        pointer.push_str(name);
    }
    items(schema, &mut pointer);
    schema.pointer_mut(&pointer).and_then(Value::as_object_mut)
}

/// Restricts the string property at `path` to `values` (for an array of strings, its elements).
pub(crate) fn restrict(schema: &mut Value, path: &[&str], values: &[&str]) {
    if let Some(node) = node_mut(schema, path) {
        node.insert("enum".into(), Value::from(values.to_vec()));
    }
}

/// Makes the object at `path` require `field` (one the parser defaults when it is missing, but a
/// model should still give: a reason).
pub(crate) fn require(schema: &mut Value, path: &[&str], field: &str) {
    if let Some(node) = node_mut(schema, path) {
        let required = node
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(list) = required.as_array_mut()
            && !list.iter().any(|v| v == field)
        {
            list.push(Value::from(field));
        }
    }
}

/// A missing field or an explicit `null` both read as the default (small models write
/// `"columns": null` for "none").
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Parses one answer (or one item of a list) into `T`, saying what did not fit.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(v: &Value, what: &str) -> Result<T, String> {
    serde_json::from_value(v.clone()).map_err(|e| format!("{what} does not fit the schema: {e}"))
}

/// The column a goal is about.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct PickAnswer {
    /// The column that records the thing to predict.
    #[serde(alias = "target")]
    pub column: String,
}

/// What a proposed refinement does: optimise another metric (`metric`), leave input columns out
/// (`columns`), add `log1p` of a numeric column (the first of `columns`), give the search more
/// seconds (`seconds`), weight classes inversely to their frequency, merge target labels that
/// differ only in case or spaces, or search only some model families (`models`). The variants
/// carry no doc comments of their own, so that the schema is a plain `enum` of names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ProposalKind {
    ChangeMetric,
    ExcludeColumns,
    AddLog,
    RaiseBudget,
    RebalanceClasses,
    MergeLabels,
    RestrictModels,
}

/// One proposed refinement.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ProposalAnswer {
    /// What it does.
    pub kind: ProposalKind,
    /// The columns it acts on.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Vec<String>")]
    pub columns: Vec<String>,
    /// The metric to optimise.
    #[serde(default)]
    pub metric: Option<String>,
    /// The new budget in seconds.
    #[serde(default)]
    pub seconds: Option<f64>,
    /// The model families to search.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Vec<String>")]
    pub models: Vec<String>,
    /// Why, in a sentence.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "String")]
    pub reason: String,
}

/// How a proposed feature is computed: `column / other`, `column × other`, `column − other`,
/// `column` cut into bins, the mean of `column` within each level of the group column `other`,
/// the characters or the words of the text `column`, or the numeric code `column` read as
/// categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FeatureKind {
    Ratio,
    Product,
    Difference,
    Bins,
    GroupMean,
    TextLength,
    WordCount,
    AsCategories,
}

impl FeatureKind {
    /// The kind as the schema spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FeatureKind::Ratio => "ratio",
            FeatureKind::Product => "product",
            FeatureKind::Difference => "difference",
            FeatureKind::Bins => "bins",
            FeatureKind::GroupMean => "group_mean",
            FeatureKind::TextLength => "text_length",
            FeatureKind::WordCount => "word_count",
            FeatureKind::AsCategories => "as_categories",
        }
    }
}

/// One proposed feature.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct FeatureAnswer {
    /// How it is computed.
    pub kind: FeatureKind,
    /// The column it is computed from.
    pub column: String,
    /// The second column, for kinds that need one.
    #[serde(default)]
    pub other: Option<String>,
    /// Why, in a sentence.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "String")]
    pub reason: String,
}

/// What a request in a person's words asks for: leave columns out or bring them back
/// (`columns`), optimise another metric (`metric`), search only some model families (`families`)
/// or all of them again, set the budget (`seconds`), rebalance the classes, set the decision
/// threshold (`threshold`), predict a row with `column` set to `value`, or nothing: a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RequestAction {
    LeaveOut,
    BringBack,
    ChangeMetric,
    OnlyFamilies,
    AllFamilies,
    SetBudget,
    Rebalance,
    SetThreshold,
    WhatIf,
    Question,
}

/// A request read as an action.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct RequestAnswer {
    /// What it asks for.
    pub action: RequestAction,
    /// The columns it names.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Vec<String>")]
    pub columns: Vec<String>,
    /// The metric it names.
    #[serde(default)]
    pub metric: Option<String>,
    /// The model families it names.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Vec<String>")]
    pub families: Vec<String>,
    /// The budget it names, in seconds.
    #[serde(default)]
    pub seconds: Option<f64>,
    /// The decision threshold it names.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// The column of a what-if.
    #[serde(default)]
    pub column: Option<String>,
    /// The value of a what-if.
    #[serde(default)]
    pub value: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    /// Every kind the schema offers parses, and nothing else does.
    fn enum_values<T: JsonSchema>(field: &str) -> Vec<String> {
        let schema = schema_for::<T>();
        assert!(!schema.to_string().contains("$ref"), "{schema}");
        let values: Vec<String> = schema["properties"][field]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("no enum for {field} in {schema}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        values
    }

    #[test]
    fn the_schemas_offer_exactly_what_the_parsers_read() {
        let kinds = enum_values::<FeatureAnswer>("kind");
        assert_eq!(kinds.len(), 8);
        for k in &kinds {
            let a: FeatureAnswer =
                parse(&serde_json::json!({"kind": k, "column": "x"}), "a feature").unwrap();
            assert_eq!(a.kind.as_str(), k);
        }
        let kinds = enum_values::<ProposalAnswer>("kind");
        assert_eq!(kinds.len(), 7);
        for k in &kinds {
            parse::<ProposalAnswer>(&serde_json::json!({"kind": k}), "a proposal").unwrap();
        }
        let actions = enum_values::<RequestAnswer>("action");
        assert_eq!(actions.len(), 10);
        for a in &actions {
            parse::<RequestAnswer>(&serde_json::json!({"action": a}), "the answer").unwrap();
        }
        let err = parse::<RequestAnswer>(&serde_json::json!({"action": "delete"}), "the answer")
            .unwrap_err();
        assert!(
            err.starts_with("the answer does not fit the schema: unknown variant `delete`"),
            "{err}"
        );
        let err =
            parse::<FeatureAnswer>(&serde_json::json!({"column": "x"}), "a feature").unwrap_err();
        assert!(err.contains("missing field `kind`"), "{err}");
        // What small models write for "none" reads as none; extra fields are ignored.
        let p: ProposalAnswer = parse(
            &serde_json::json!({"kind": "add_log", "columns": null, "models": null, "reason": null, "why": 1}),
            "a proposal",
        )
        .unwrap();
        assert!(p.columns.is_empty() && p.models.is_empty() && p.reason.is_empty());
        let r: RequestAnswer = parse(
            &serde_json::json!({"action": "leave_out", "families": null, "columns": ["age"]}),
            "the answer",
        )
        .unwrap();
        assert_eq!(r.columns, ["age"]);
        // The pick answer also reads `target`, which small models write for the column.
        let pick: PickAnswer = parse(&serde_json::json!({"target": "churn"}), "it").unwrap();
        assert_eq!(pick.column, "churn");
    }

    #[test]
    fn restrict_puts_the_tables_names_into_the_schema() {
        let mut list = list_schema::<FeatureAnswer>("features");
        restrict(&mut list, &["features", "other"], &["a", "b"]);
        assert_eq!(
            list["properties"]["features"]["items"]["properties"]["other"]["enum"],
            serde_json::json!(["a", "b"])
        );
        assert_eq!(list["required"], serde_json::json!(["features"]));
        require(&mut list, &["features"], "reason");
        require(&mut list, &["features"], "reason");
        assert_eq!(
            list["properties"]["features"]["items"]["required"],
            serde_json::json!(["kind", "column", "reason"])
        );
        // A `Vec` read with `null_as_default` is still an array of strings in the schema.
        let s = schema_for::<ProposalAnswer>();
        assert_eq!(s["properties"]["columns"]["type"], "array");
        assert_eq!(s["properties"]["reason"]["type"], "string");
        let mut s = schema_for::<RequestAnswer>();
        restrict(&mut s, &["columns"], &["age", "fare"]);
        restrict(&mut s, &["column"], &["age", "fare"]);
        assert_eq!(
            s["properties"]["columns"]["items"]["enum"],
            serde_json::json!(["age", "fare"])
        );
        assert_eq!(
            s["properties"]["column"]["enum"],
            serde_json::json!(["age", "fare"])
        );
        assert_eq!(s["required"], serde_json::json!(["action"]));
    }
}
