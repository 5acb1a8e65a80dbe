//! Trains on a CSV file with mlpilot's boosted trees for ten seconds and prints the result in
//! words: `gbdt-embed DATA TARGET`.

use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(data), Some(target)) = (args.next(), args.next()) else {
        return Err("usage: gbdt-embed DATA TARGET".into());
    };
    let frame = mlpilot::data::load_frame(&data)?.0;
    let trained = mlpilot::AutoMl::new()
        .target(&target)
        .time_budget(Duration::from_secs(10))
        .fit_frame(&frame)?;
    println!("{}", trained.narrative());
    println!("estimators: {}", mlpilot::default_registry().ids().join(", "));
    Ok(())
}
