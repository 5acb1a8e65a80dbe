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
fn train(data: &Dataset, p: &MlpParams, ctx: &FitContext, id: &str) -> Result<MlpModel> {
    p.validate().map_err(|e| e.prefixed(id))?;
    data.check_trainable(false)?;
    let batch_size = p.batch_size_for(data.n_rows());
    let x = data.x().to_dense();
    let task = data.task();
    let (n, d) = (x.n_rows(), x.n_cols());
    let mut rng = Rng::new(ctx.seed);
    let (train_rows, valid_rows) = if n >= 100 && p.patience > 0 {
        split_validation(data, 0.1, &mut rng)
    } else {
        ((0..n).collect(), Vec::new())
    };
    let scale = TargetScale::of(data);
    let device = training_device();
    let mut net = init_net(data, d, p, &mut rng, &device);
    let hidden: Vec<usize> = vec![p.width; p.hidden_layers];
    let mut optim = AdamWConfig::new()
        .with_weight_decay(p.weight_decay as f32)
        .init();
    let xs = x.as_slice();
    let mut order = train_rows.clone();
    let mut best = BestEpoch {
        best: None,
        since_best: 0,
    };
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
            let input = batch_input(xs, d, batch, &device);
            let masks = dropout_masks(&mut rng, p.dropout, batch.len(), &hidden, &device);
            let out = net.forward(input, &masks);
            let loss = if task.is_classification() {
                ce.forward(out, scale.class_targets(data.y(), batch, &device))
            } else {
                MseLoss::new().forward(
                    out,
                    scale.value_targets(data.y(), batch, &device),
                    Reduction::Mean,
                )
            };
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optim.step(p.learning_rate, net, grads);
        }
        let model = scale.model(data, extract(&net)?, d);
        let val_loss = (!valid_rows.is_empty()).then(|| model.loss_on(&x, data.y(), &valid_rows));
        ctx.report(ProgressEvent::Iteration {
            estimator: id.to_string(),
            iteration: epoch + 1,
            total: Some(p.max_epochs),
            loss: val_loss,
        });
        if best.after_epoch(val_loss, model.layers, p.patience) {
            break;
        }
    }
    let Some((_, layers)) = best.best else {
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
    Ok(scale.model(data, layers, d))
}

/// He-initialised layers from `d` inputs through the hidden layers to one output per class
/// (one for regression), drawn from the seeded generator.
fn init_net(data: &Dataset, d: usize, p: &MlpParams, rng: &mut Rng, device: &Device) -> Net {
    let k = if data.task().is_classification() {
        data.n_classes()
    } else {
        1
    };
    let mut widths = vec![d];
    widths.extend(std::iter::repeat_n(p.width, p.hidden_layers));
    widths.push(k);
    let layers = widths.windows(2).map(|w| match w {
        [a, b] => he_layer(*a, *b, rng, device),
        _ => he_layer(1, 1, rng, device),
    });
    Net {
        layers: layers.collect(),
    }
}

/// A batch's rows of the dense inputs (`d` per row), as a tensor.
fn batch_input(xs: &[f64], d: usize, batch: &[usize], device: &Device) -> Tensor<2> {
    let mut xb = Vec::with_capacity(batch.len() * d);
    for &r in batch {
        xb.extend(
            xs.get(r * d..(r + 1) * d)
                .unwrap_or(&[])
                .iter()
                .map(|v| *v as f32),
        );
    }
    Tensor::<2>::from_data(TensorData::new(xb, [batch.len(), d]), device)
}

/// How a regression target is standardised for training (and restored at prediction); the
/// identity for classes.
struct TargetScale {
    mean: f64,
    std: f64,
}

impl TargetScale {
    fn of(data: &Dataset) -> TargetScale {
        if data.task().is_classification() {
            return TargetScale {
                mean: 0.0,
                std: 1.0,
            };
        }
        let y = data.y();
        let n = y.len().max(1) as f64;
        let m = y.iter().sum::<f64>() / n;
        let s = (y.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt();
        TargetScale {
            mean: m,
            std: if s > 1e-12 { s } else { 1.0 },
        }
    }

    /// A batch's class indices.
    fn class_targets(&self, ys: &[f64], batch: &[usize], device: &Device) -> Tensor<1, Int> {
        let t: Vec<i64> = batch
            .iter()
            .map(|&r| ys.get(r).copied().unwrap_or(0.0) as i64)
            .collect();
        Tensor::<1, Int>::from_data(TensorData::new(t, [batch.len()]), device)
    }

    /// A batch's standardised values, one column.
    fn value_targets(&self, ys: &[f64], batch: &[usize], device: &Device) -> Tensor<2> {
        let t: Vec<f32> = batch
            .iter()
            .map(|&r| ((ys.get(r).copied().unwrap_or(0.0) - self.mean) / self.std) as f32)
            .collect();
        Tensor::<2>::from_data(TensorData::new(t, [batch.len(), 1]), device)
    }

    /// The model with these layers.
    fn model(&self, data: &Dataset, layers: Vec<Dense>, d: usize) -> MlpModel {
        MlpModel {
            layers,
            task: data.task(),
            n_classes: data.n_classes(),
            y_mean: self.mean,
            y_std: self.std,
            n_features: d,
        }
    }
}

/// The layers of the epoch with the lowest validation loss so far.
struct BestEpoch {
    best: Option<(f64, Vec<Dense>)>,
    since_best: usize,
}

impl BestEpoch {
    /// Keeps an epoch's layers when its validation loss is the lowest yet (every epoch's when
    /// there is no loss to compare); returns whether `patience` epochs passed without one.
    fn after_epoch(&mut self, val_loss: Option<f64>, layers: Vec<Dense>, patience: usize) -> bool {
        match val_loss {
            Some(l) if l.is_finite() => {
                if self.best.as_ref().is_none_or(|(b, _)| l < *b - 1e-7) {
                    self.best = Some((l, layers));
                    self.since_best = 0;
                } else {
                    self.since_best += 1;
                    if self.since_best >= patience {
                        return true;
                    }
                }
            }
            _ => self.best = Some((f64::NAN, layers)),
        }
        false
    }
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
