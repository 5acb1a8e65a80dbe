//! MLP classifier and regressor trained with burn (autodiff + AdamW).

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::nn::loss::{CrossEntropyLossConfig, MseLoss, Reduction};
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};
use mlpilot_core::{
    CostModel, DataShape, Dataset, DefaultUse, Error, ErrorKind, Estimator, EstimatorInfo,
    FitContext, ModelFamily, ParamSet, Params, ProgressEvent, Result, Rng, SearchSpace, Task,
};

use crate::model::{Dense, MlpModel};
use crate::params::{MlpParams, mlp_space};

/// The device training runs on: burn's pure-Rust CPU backend (flex), or with the `wgpu`
/// feature a GPU when `MLPILOT_BURN_DEVICE=wgpu` is set (the default stays on the CPU so that
/// results are reproducible everywhere).
pub fn training_device() -> Device {
    #[cfg(feature = "wgpu")]
    {
        if std::env::var("MLPILOT_BURN_DEVICE").is_ok_and(|v| v.eq_ignore_ascii_case("wgpu")) {
            return Device::wgpu(burn::tensor::DeviceKind::DefaultDevice).autodiff();
        }
    }
    Device::flex().autodiff()
}

/// The name of the device [`training_device`] picks.
pub fn device_name() -> &'static str {
    #[cfg(feature = "wgpu")]
    {
        if std::env::var("MLPILOT_BURN_DEVICE").is_ok_and(|v| v.eq_ignore_ascii_case("wgpu")) {
            return "wgpu";
        }
    }
    "cpu (flex)"
}

#[derive(Module, Debug)]
struct Net {
    layers: Vec<Linear>,
}

impl Net {
    /// The training forward pass: ReLU after each hidden layer, then inverted dropout with
    /// masks drawn from mlpilot's seeded generator (burn's own generator may be shared across
    /// threads, which would make fits depend on what else runs).
    fn forward(&self, mut x: Tensor<2>, masks: &[Tensor<2>]) -> Tensor<2> {
        let last = self.layers.len().saturating_sub(1);
        for (i, l) in self.layers.iter().enumerate() {
            x = l.forward(x);
            if i < last {
                x = relu(x);
                if let Some(m) = masks.get(i) {
                    x = x * m.clone();
                }
            }
        }
        x
    }
}

fn dropout_masks(
    rng: &mut Rng,
    p: f64,
    rows: usize,
    widths: &[usize],
    device: &Device,
) -> Vec<Tensor<2>> {
    if p <= 0.0 {
        return Vec::new();
    }
    let keep = 1.0 - p;
    widths
        .iter()
        .map(|&w| {
            let m: Vec<f32> = (0..rows * w)
                .map(|_| {
                    if rng.bernoulli(keep) {
                        (1.0 / keep) as f32
                    } else {
                        0.0
                    }
                })
                .collect();
            Tensor::<2>::from_data(TensorData::new(m, [rows, w]), device)
        })
        .collect()
}

fn he_layer(n_in: usize, n_out: usize, rng: &mut Rng, device: &Device) -> Linear {
    // He (Kaiming) uniform initialisation from our seeded generator, so that the start point
    // is the same on every backend and machine.
    let bound = (6.0 / n_in.max(1) as f64).sqrt();
    let w: Vec<f32> = (0..n_in * n_out)
        .map(|_| rng.uniform_range(-bound, bound) as f32)
        .collect();
    let b = vec![0.0f32; n_out];
    Linear {
        weight: Param::from_tensor(Tensor::<2>::from_data(
            TensorData::new(w, [n_in, n_out]),
            device,
        )),
        bias: Some(Param::from_tensor(Tensor::<1>::from_data(
            TensorData::new(b, [n_out]),
            device,
        ))),
    }
}

fn extract(net: &Net) -> Result<Vec<Dense>> {
    net.layers
        .iter()
        .map(|l| {
            let w = l.weight.val();
            let [n_in, n_out] = w.dims();
            let weights: Vec<f32> = w
                .into_data()
                .try_to_vec::<f32>()
                .map_err(|e| Error::backend(format!("could not read weights: {e:?}")))?;
            let bias: Vec<f32> = match &l.bias {
                Some(b) => b
                    .val()
                    .into_data()
                    .try_to_vec::<f32>()
                    .map_err(|e| Error::backend(format!("could not read biases: {e:?}")))?,
                None => vec![0.0; n_out],
            };
            Ok(Dense {
                n_in,
                n_out,
                weights,
                bias,
            })
        })
        .collect()
}

fn split_validation(data: &Dataset, fraction: f64, rng: &mut Rng) -> (Vec<usize>, Vec<usize>) {
    let n = data.n_rows();
    let mut valid = Vec::new();
    if data.task().is_classification() {
        for c in 0..data.n_classes() {
            let mut rows: Vec<usize> = (0..n)
                .filter(|&i| data.y().get(i) == Some(&(c as f64)))
                .collect();
            rng.shuffle(&mut rows);
            let k = ((rows.len() as f64) * fraction).round() as usize;
            valid.extend(rows.into_iter().take(k));
        }
    } else {
        valid = rng.sample_indices(n, ((n as f64) * fraction).round() as usize);
    }
    valid.sort_unstable();
    let mut is_valid = vec![false; n];
    for &v in &valid {
        if let Some(x) = is_valid.get_mut(v) {
            *x = true;
        }
    }
    (
        (0..n)
            .filter(|&i| !is_valid.get(i).copied().unwrap_or(false))
            .collect(),
        valid,
    )
}

/// Trains the network; see [`MlpClassifier`] and [`MlpRegressor`].
#[expect(
    clippy::too_many_lines,
    reason = "the training loop: the network, the optimiser, batches, early stopping and the deadline share the epoch's state"
)]
fn train(data: &Dataset, p: &MlpParams, ctx: &FitContext, id: &str) -> Result<MlpModel> {
    p.validate().map_err(|e| e.prefixed(id))?;
    data.check_trainable(false)?;
    let batch_size = p.batch_size_for(data.n_rows());
    let x = data.x().to_dense();
    let task = data.task();
    let (n, d) = (x.n_rows(), x.n_cols());
    let k = if task.is_classification() {
        data.n_classes()
    } else {
        1
    };
    let mut rng = Rng::new(ctx.seed);
    let (train_rows, valid_rows) = if n >= 100 && p.patience > 0 {
        split_validation(data, 0.1, &mut rng)
    } else {
        ((0..n).collect(), Vec::new())
    };
    // Regression targets are standardised for training and restored at prediction.
    let (y_mean, y_std) = if task.is_classification() {
        (0.0, 1.0)
    } else {
        let y = data.y();
        let m = y.iter().sum::<f64>() / n.max(1) as f64;
        let s = (y.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n.max(1) as f64).sqrt();
        (m, if s > 1e-12 { s } else { 1.0 })
    };
    let device = training_device();
    let mut widths = vec![d];
    widths.extend(std::iter::repeat_n(p.width, p.hidden_layers));
    widths.push(k);
    let layers = widths.windows(2).map(|w| match w {
        [a, b] => he_layer(*a, *b, &mut rng, &device),
        _ => he_layer(1, 1, &mut rng, &device),
    });
    let mut net = Net {
        layers: layers.collect(),
    };
    let hidden: Vec<usize> = vec![p.width; p.hidden_layers];
    let mut optim = AdamWConfig::new()
        .with_weight_decay(p.weight_decay as f32)
        .init();
    let xs = x.as_slice();
    let ys = data.y();
    let mut order = train_rows.clone();
    let mut best: Option<(f64, Vec<Dense>)> = None;
    let mut since_best = 0usize;
    let ce = CrossEntropyLossConfig::new().init(&device);
    for epoch in 0..p.max_epochs {
        if ctx.cancel.is_cancelled() {
            return Err(Error::new(ErrorKind::Cancelled, "the fit was cancelled"));
        }
        if ctx.should_stop() {
            break;
        }
        rng.shuffle(&mut order);
        for batch in order.chunks(batch_size) {
            let b = batch.len();
            let mut xb = Vec::with_capacity(b * d);
            for &r in batch {
                xb.extend(
                    xs.get(r * d..(r + 1) * d)
                        .unwrap_or(&[])
                        .iter()
                        .map(|v| *v as f32),
                );
            }
            let input = Tensor::<2>::from_data(TensorData::new(xb, [b, d]), &device);
            let masks = dropout_masks(&mut rng, p.dropout, b, &hidden, &device);
            let out = net.forward(input, &masks);
            let loss = if task.is_classification() {
                let t: Vec<i64> = batch
                    .iter()
                    .map(|&r| ys.get(r).copied().unwrap_or(0.0) as i64)
                    .collect();
                ce.forward(
                    out,
                    Tensor::<1, Int>::from_data(TensorData::new(t, [b]), &device),
                )
            } else {
                let t: Vec<f32> = batch
                    .iter()
                    .map(|&r| ((ys.get(r).copied().unwrap_or(0.0) - y_mean) / y_std) as f32)
                    .collect();
                MseLoss::new().forward(
                    out,
                    Tensor::<2>::from_data(TensorData::new(t, [b, 1]), &device),
                    Reduction::Mean,
                )
            };
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optim.step(p.learning_rate, net, grads);
        }
        let epochs_done = epoch + 1;
        let layers = extract(&net)?;
        let model = MlpModel {
            layers,
            task,
            n_classes: data.n_classes(),
            y_mean,
            y_std,
            n_features: d,
        };
        let val_loss = if valid_rows.is_empty() {
            None
        } else {
            Some(model.loss_on(&x, ys, &valid_rows))
        };
        ctx.report(ProgressEvent::Iteration {
            estimator: id.to_string(),
            iteration: epochs_done,
            total: Some(p.max_epochs),
            loss: val_loss,
        });
        match val_loss {
            Some(l) if l.is_finite() => {
                if best.as_ref().is_none_or(|(b, _)| l < *b - 1e-7) {
                    best = Some((l, model.layers));
                    since_best = 0;
                } else {
                    since_best += 1;
                    if since_best >= p.patience {
                        break;
                    }
                }
            }
            _ => best = Some((f64::NAN, model.layers)),
        }
    }
    let Some((_, layers)) = best else {
        return Err(Error::new(
            ErrorKind::Timeout,
            "the deadline passed before the first epoch ended",
        ));
    };
    if layers
        .iter()
        .any(|l| l.weights.iter().chain(&l.bias).any(|v| !v.is_finite()))
    {
        return Err(Error::backend(
            "training diverged (non-finite weights); lower the learning rate",
        ));
    }
    Ok(MlpModel {
        layers,
        task,
        n_classes: data.n_classes(),
        y_mean,
        y_std,
        n_features: d,
    })
}

fn info(id: &str, name: &str, tasks: &[Task]) -> EstimatorInfo {
    EstimatorInfo::new(id, name, ModelFamily::NeuralNet)
        .tasks(tasks)
        .capabilities(|c| {
            c.exportable = true;
            c.probabilities = true;
            c.needs_scaling = true;
            c.deterministic = true;
        })
        .cost(
            CostModel::new(0.1)
                .driver("max_epochs", 200.0)
                .memory(2.0, false),
        )
        .default_use(DefaultUse {
            max_rows: Some(100_000),
            min_budget_secs: Some(30.0),
            ..DefaultUse::default()
        })
}

/// A multilayer perceptron classifier (`burn.mlp_classifier`): ReLU hidden layers with dropout,
/// softmax cross-entropy, AdamW with weight decay, mini-batches, early stopping on a stratified
/// 10 % validation split.
#[derive(Debug, Clone, Copy, Default)]
pub struct MlpClassifier;

impl Estimator for MlpClassifier {
    type Model = MlpModel;
    type Params = MlpParams;

    fn info(&self) -> EstimatorInfo {
        info(
            "burn.mlp_classifier",
            "MLP classifier",
            &[Task::Binary, Task::Multiclass],
        )
    }

    fn search_space(&self, _task: Task, shape: DataShape) -> SearchSpace {
        mlp_space(shape)
    }

    fn starting_points(&self, _task: Task, _shape: DataShape) -> Vec<ParamSet> {
        vec![wide_shallow()]
    }

    fn fit(&self, data: &Dataset, params: &MlpParams, ctx: &FitContext) -> Result<MlpModel> {
        train(data, params, ctx, "burn.mlp_classifier")
    }
}

/// A multilayer perceptron regressor (`burn.mlp_regressor`): as the classifier, with squared
/// error on a standardised target.
#[derive(Debug, Clone, Copy, Default)]
pub struct MlpRegressor;

impl Estimator for MlpRegressor {
    type Model = MlpModel;
    type Params = MlpParams;

    fn info(&self) -> EstimatorInfo {
        info("burn.mlp_regressor", "MLP regressor", &[Task::Regression])
    }

    fn search_space(&self, _task: Task, shape: DataShape) -> SearchSpace {
        mlp_space(shape)
    }

    fn starting_points(&self, _task: Task, _shape: DataShape) -> Vec<ParamSet> {
        vec![wide_shallow()]
    }

    fn fit(&self, data: &Dataset, params: &MlpParams, ctx: &FitContext) -> Result<MlpModel> {
        train(data, params, ctx, "burn.mlp_regressor")
    }
}

/// One wide hidden layer with dropout: a strong start on most tables.
fn wide_shallow() -> ParamSet {
    ParamSet::new()
        .with("width", 128i64)
        .with("hidden_layers", 1i64)
        .with("dropout", 0.2)
}
