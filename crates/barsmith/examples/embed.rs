//! An embedding crate computing bars (with features) from its own trades, without files.
//!
//! `cargo run --release -p barsmith --example embed`

use barsmith::pipeline::{BarCallback, BarPipeline, PipelineConfig};
use barsmith_core::features::{FeatureConfig, FeatureGroup, Kernels, feature_columns};
use barsmith_core::{FixedPoint, Threshold, Trade, TradeBatch};

fn main() -> Result<(), barsmith::Error> {
    // Your own trades: here a deterministic triangle wave (±2 %) with tick noise on a 0.01 grid around 100.
    let trades: TradeBatch = (0..20_000i64)
        .map(|i| Trade {
            agg_trade_id: i,
            price: FixedPoint((10_000 + (i % 4_000 - 2_000).abs() / 10 - 100 + (i * 37) % 9 - 4) * 1_000_000),
            quantity: FixedPoint(10_000_000 + (i % 7) * 1_000_000),
            first_trade_id: 2 * i,
            last_trade_id: 2 * i + 1,
            timestamp_us: 1_767_225_600_000_000 + i * 50_000,
            is_buyer_maker: i % 3 == 0,
        })
        .collect();

    let mut config =
        PipelineConfig::new(vec![Threshold::from_dbps(100).expect("valid"), Threshold::from_dbps(250).expect("valid")]);
    config.settings.features = FeatureConfig::default().with_groups(&[FeatureGroup::Bar, FeatureGroup::Intra]);
    config.settings.kernels = Kernels::detect();
    let columns = feature_columns(&config.settings.features);
    let ofi = columns.iter().position(|c| c.name == "ofi").expect("bar group is on");

    let mut pipeline = BarPipeline::new(&config)?;
    let thresholds = config.thresholds.clone();
    let mut on_bar = BarCallback(|index: usize, bar: &barsmith_core::features::FeaturedBar, complete: bool| {
        let values = bar.features.values(&config.settings.features);
        println!(
            "{:>9}  open {}  close {}  records {:>5}  ofi {:+.4}  complete {complete}",
            barsmith::pipeline::spec_label(thresholds[index]),
            bar.bar.open,
            bar.bar.close,
            bar.bar.agg_record_count,
            values[ofi].unwrap_or(f64::NAN)
        );
        Ok(())
    });
    // Feed batches as they arrive; one batch here.
    pipeline.push_batch(&trades, &mut on_bar)?;
    pipeline.finish(&mut on_bar)?;
    println!("{} trades, bars per threshold: {:?}", pipeline.trades(), pipeline.bar_counts());
    Ok(())
}
