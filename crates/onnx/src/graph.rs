//! A small builder over the ONNX protobuf types (tract's prost-generated `onnx.proto`): nodes
//! with unique output names, constants as initializers, attributes.

use tract_onnx::pb::{
    AttributeProto, NodeProto, TensorProto, attribute_proto::AttributeType, tensor_proto::DataType,
};

/// The domain of the classical machine-learning operators.
pub(crate) const ML_DOMAIN: &str = "ai.onnx.ml";

/// Nodes and initializers under construction.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    pub nodes: Vec<NodeProto>,
    pub initializers: Vec<TensorProto>,
    counter: usize,
}

/// An attribute value.
pub(crate) enum Attr<'a> {
    Int(i64),
    Str(&'a str),
    Ints(Vec<i64>),
    Floats(Vec<f32>),
    Strs(Vec<String>),
}

fn attribute(name: &str, value: Attr<'_>) -> AttributeProto {
    let mut a = AttributeProto {
        name: name.to_string(),
        ..AttributeProto::default()
    };
    let t = match value {
        Attr::Int(i) => {
            a.i = i;
            AttributeType::Int
        }
        Attr::Str(s) => {
            a.s = s.as_bytes().to_vec();
            AttributeType::String
        }
        Attr::Ints(v) => {
            a.ints = v;
            AttributeType::Ints
        }
        Attr::Floats(v) => {
            a.floats = v;
            AttributeType::Floats
        }
        Attr::Strs(v) => {
            a.strings = v.into_iter().map(String::into_bytes).collect();
            AttributeType::Strings
        }
    };
    a.r#type = t as i32;
    a
}

/// `v` rounded to the nearest `f32`.
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn f32_of(v: f64) -> f32 {
    v as f32
}

impl Graph {
    /// A fresh name for an intermediate value. The `mlpilot/` prefix keeps them apart from the
    /// graph inputs, which are named as the training columns.
    pub(crate) fn fresh(&mut self, hint: &str) -> String {
        self.counter += 1;
        format!("mlpilot/{}/{hint}", self.counter)
    }

    /// Adds a node with `n_out` outputs and returns their names.
    pub(crate) fn node_n(
        &mut self,
        op: &str,
        domain: &str,
        inputs: &[&str],
        n_out: usize,
        attrs: Vec<(&str, Attr<'_>)>,
    ) -> Vec<String> {
        let outputs: Vec<String> = (0..n_out).map(|_| self.fresh(op)).collect();
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| (*s).to_string()).collect(),
            output: outputs.clone(),
            name: format!("{op}_{}", self.nodes.len()),
            op_type: op.to_string(),
            domain: domain.to_string(),
            attribute: attrs.into_iter().map(|(n, v)| attribute(n, v)).collect(),
            ..NodeProto::default()
        });
        outputs
    }

    /// Adds a standard-domain node with one output.
    pub(crate) fn op(&mut self, op: &str, inputs: &[&str]) -> String {
        self.op_with(op, inputs, Vec::new())
    }

    /// Adds a standard-domain node with one output and attributes.
    pub(crate) fn op_with(
        &mut self,
        op: &str,
        inputs: &[&str],
        attrs: Vec<(&str, Attr<'_>)>,
    ) -> String {
        self.node_n(op, "", inputs, 1, attrs).remove(0)
    }

    /// Renames the output of the last node (for the graph outputs).
    pub(crate) fn rename_last_output(&mut self, name: &str) {
        if let Some(o) = self.nodes.last_mut().and_then(|n| n.output.first_mut()) {
            *o = name.to_string();
        }
    }

    fn push_init(
        &mut self,
        hint: &str,
        dims: &[usize],
        data_type: DataType,
        t: TensorProto,
    ) -> String {
        let name = self.fresh(hint);
        self.initializers.push(TensorProto {
            name: name.clone(),
            dims: dims.iter().map(|d| *d as i64).collect(),
            data_type: data_type as i32,
            ..t
        });
        name
    }

    /// A float constant of shape `dims`.
    pub(crate) fn floats(&mut self, dims: &[usize], data: &[f64]) -> String {
        let t = TensorProto {
            float_data: data.iter().map(|v| f32_of(*v)).collect(),
            ..TensorProto::default()
        };
        self.push_init("const", dims, DataType::Float, t)
    }

    /// A scalar float constant.
    pub(crate) fn scalar(&mut self, v: f64) -> String {
        self.floats(&[], &[v])
    }

    /// An int64 constant of shape `dims`.
    pub(crate) fn ints(&mut self, dims: &[usize], data: &[i64]) -> String {
        let t = TensorProto {
            int64_data: data.to_vec(),
            ..TensorProto::default()
        };
        self.push_init("const", dims, DataType::Int64, t)
    }

    /// `x[:, from..to]` of a 2-D tensor.
    pub(crate) fn columns(&mut self, x: &str, from: usize, to: usize) -> String {
        let starts = self.ints(&[1], &[from as i64]);
        let ends = self.ints(&[1], &[to as i64]);
        let axes = self.ints(&[1], &[1]);
        self.op("Slice", &[x, &starts, &ends, &axes])
    }

    /// `x` reshaped to `[N, width]` (`width` −1 flattens to one dimension when `flat`).
    pub(crate) fn reshape(&mut self, x: &str, shape: &[i64]) -> String {
        let s = self.ints(&[shape.len()], shape);
        self.op("Reshape", &[x, &s])
    }

    /// Element-wise `cond ? a : b`.
    pub(crate) fn select(&mut self, cond: &str, a: &str, b: &str) -> String {
        self.op("Where", &[cond, a, b])
    }

    /// A boolean tensor: true where `x` is NaN or infinite.
    pub(crate) fn not_finite(&mut self, x: &str) -> String {
        let abs = self.op("Abs", &[x]);
        let inf = self.scalar(f64::INFINITY);
        let finite = self.op("Less", &[&abs, &inf]);
        self.op("Not", &[&finite])
    }

    /// Casts to float.
    pub(crate) fn cast_float(&mut self, x: &str) -> String {
        self.op_with(
            "Cast",
            &[x],
            vec![("to", Attr::Int(DataType::Float as i64))],
        )
    }

    /// Casts to int64.
    pub(crate) fn cast_int64(&mut self, x: &str) -> String {
        self.op_with(
            "Cast",
            &[x],
            vec![("to", Attr::Int(DataType::Int64 as i64))],
        )
    }
}

/// A `ValueInfoProto` for a tensor of `elem` with `dims` (`None`: the dynamic batch `N`).
pub(crate) fn value_info(
    name: &str,
    elem: DataType,
    dims: &[Option<usize>],
) -> tract_onnx::pb::ValueInfoProto {
    use tract_onnx::pb::{
        TensorShapeProto, TypeProto, ValueInfoProto, tensor_shape_proto::Dimension,
        tensor_shape_proto::dimension::Value, type_proto,
    };
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Some(n) => Value::DimValue(*n as i64),
                None => Value::DimParam("N".to_string()),
            }),
            ..Dimension::default()
        })
        .collect();
    ValueInfoProto {
        name: name.to_string(),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: elem as i32,
                shape: Some(TensorShapeProto { dim }),
            })),
            ..TypeProto::default()
        }),
        ..ValueInfoProto::default()
    }
}
