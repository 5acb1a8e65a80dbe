//! Predicts CSV rows (header + rows on standard input) with the ONNX graph embedded at build
//! time (`MODEL_ONNX`), printing the label and the probabilities (or the value) per row.
//!
//! Inputs follow `mlpilot export`: one `[N, 1]` tensor per column, `float` (empty = NaN) or
//! `string` (empty = missing).

use std::error::Error;

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;

static MODEL: &[u8] = include_bytes!(env!("MODEL_ONNX"));

fn main() -> Result<(), Box<dyn Error>> {
    let mut reader = csv::Reader::from_reader(std::io::stdin());
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    let n = rows.len();

    let mut model = tract_onnx::onnx().model_for_read(&mut &MODEL[..])?;
    let mut inputs: TVec<TValue> = TVec::new();
    for (i, outlet) in model.input_outlets()?.to_vec().iter().enumerate() {
        let name = model.node(outlet.node).name.clone();
        let is_string =
            model.outlet_fact(*outlet)?.datum_type.concretize() == Some(String::datum_type());
        let col = header
            .iter()
            .position(|h| *h == name)
            .ok_or(format!("no column `{name}` in the input"))?;
        let cells = rows
            .iter()
            .map(|r| r.get(col).unwrap_or("").trim().to_string());
        let tensor = if is_string {
            tract_ndarray::Array2::from_shape_vec((n, 1), cells.collect())?.into_tensor()
        } else {
            let v: Vec<f32> = cells
                .map(|c| c.parse::<f32>().unwrap_or(f32::NAN))
                .collect();
            tract_ndarray::Array2::from_shape_vec((n, 1), v)?.into_tensor()
        };
        model.set_input_fact(
            i,
            InferenceFact::dt_shape(tensor.datum_type(), tensor.shape()),
        )?;
        inputs.push(tensor.into_tvalue());
    }
    let outputs = model.into_optimized()?.into_runnable()?.run(inputs)?;
    let mut labels: Vec<String> = Vec::new();
    let mut numbers: Vec<Vec<f32>> = Vec::new();
    for t in outputs.iter() {
        if t.datum_type() == String::datum_type() {
            labels = t.to_plain_array_view::<String>()?.iter().cloned().collect();
        } else {
            let a = t.to_plain_array_view::<f32>()?;
            let width = a.len() / n.max(1);
            numbers = a
                .iter()
                .copied()
                .collect::<Vec<_>>()
                .chunks(width.max(1))
                .map(<[f32]>::to_vec)
                .collect();
        }
    }
    for i in 0..n {
        let label = labels.get(i).map_or("", String::as_str);
        let values: Vec<String> = numbers
            .get(i)
            .map(|r| r.iter().map(|v| format!("{v:.6}")).collect())
            .unwrap_or_default();
        println!(
            "{label}{}{}",
            if label.is_empty() { "" } else { "," },
            values.join(",")
        );
    }
    Ok(())
}
