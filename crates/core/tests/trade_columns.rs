//! Borrowed trade columns (`TradeColumns`): the builder and the pipelines read them as they read an owning
//! `TradeBatch`, whichever columns are lent from elsewhere.

use barsmith_core::{
    BuilderConfig, FeatureConfig, Kernels, RangeBarBuilder, SymbolPipeline, Threshold, TradeBatch, TradeColumns,
};
use barsmith_test_support::trades::tick_walk;

fn builder() -> BuilderConfig {
    BuilderConfig::new(Threshold::from_dbps(40).unwrap())
}

#[test]
fn columns_lent_from_elsewhere_give_the_bars_of_the_batch() {
    let batch: TradeBatch = tick_walk(20_000, 9, 10_000_000_000).iter().collect();
    // Ids held elsewhere (as an Arrow buffer would be); the batch's own id columns are not read.
    let (agg, first, last) = (batch.agg_trade_id.clone(), batch.first_trade_id.clone(), batch.last_trade_id.clone());
    let mut rest = batch.clone();
    rest.agg_trade_id.clear();
    rest.first_trade_id.clear();
    rest.last_trade_id.clear();
    let lent =
        TradeColumns { agg_trade_id: &agg, first_trade_id: &first, last_trade_id: &last, ..TradeColumns::from(&rest) };
    assert!(lent.is_consistent() && !rest.is_consistent());
    assert_eq!(lent.get(123), batch.get(123));

    let (mut owned, mut borrowed) = (RangeBarBuilder::new(builder()), RangeBarBuilder::new(builder()));
    let (mut want, mut got) = (Vec::new(), Vec::new());
    owned.push_batch(&batch, &mut want).unwrap();
    borrowed.push_columns_into(&lent, &mut got).unwrap();
    assert!(want.len() > 10);
    assert_eq!(want, got);

    let config = FeatureConfig::default();
    let mut owned = SymbolPipeline::new(&[builder()], config, Kernels::detect()).unwrap();
    let mut borrowed = SymbolPipeline::new(&[builder()], config, Kernels::detect()).unwrap();
    let (mut want, mut got) = (Vec::new(), Vec::new());
    owned.push_batch(&batch, &mut want).unwrap();
    borrowed.push_columns(lent, &mut got).unwrap();
    assert_eq!(want, got);
}

#[test]
fn inconsistent_columns_are_refused_and_nothing_is_consumed() {
    let batch: TradeBatch = tick_walk(100, 9, 10_000_000_000).iter().collect();
    let short = TradeColumns { agg_trade_id: &batch.agg_trade_id[..99], ..batch.columns() };
    let mut builder = RangeBarBuilder::new(builder());
    assert!(builder.push_columns_into(&short, &mut Vec::new()).is_err());
    assert_eq!(builder.last_key(), None);
}
