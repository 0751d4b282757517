//! rangebar-core 12.39's public kernels beside ours on the same inputs (n = 500, generated prices).
//!
//! `cd parity && cargo bench --bench kernels_vs_peer`
//!
//! They do not all compute the same thing: the peer's `compute_permutation_entropy` is antropy's normalised PE
//! (order 3) below 500 values but switches to an approximate-entropy variant at n ≥ 500; its
//! `compute_kyle_lambda` is return ÷ order-flow imbalance over trade snapshots, ours an OLS slope of returns
//! on signed quantity; `rssimple` is a one-window R/S on the input, ours nolds' multi-scale corrected R/S and
//! DFA. The ratios compare the cost of each library's answer to the same question on the same data.

use std::hint::black_box;

use barsmith_parity::{generated_trades, to_peer};
use criterion::{Criterion, criterion_group, criterion_main};
use kernels::Kernels;

const N: usize = 500;

fn kernels_vs_peer(c: &mut Criterion) {
    let trades = generated_trades(N as u64 + 1, 7);
    let prices: Vec<f64> = trades.iter().map(|t| t.price.to_f64()).collect();
    let returns: Vec<f64> = prices.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let signed: Vec<f64> =
        trades[1..].iter().map(|t| if t.is_buyer_maker { -t.quantity.to_f64() } else { t.quantity.to_f64() }).collect();
    let peer_trades: Vec<peer::AggTrade> = trades.iter().take(N).map(to_peer).collect();
    let snapshots: Vec<peer::TradeSnapshot> = peer_trades.iter().map(peer::TradeSnapshot::from).collect();
    let snapshot_refs: Vec<&peer::TradeSnapshot> = snapshots.iter().collect();
    let prices = &prices[..N];
    let ours = Kernels::detect();
    let backend = ours.backend().name();

    let mut group = c.benchmark_group("pe_n500");
    group.bench_function("rangebar-core-12.39", |b| {
        b.iter(|| peer::interbar_math::compute_permutation_entropy(black_box(prices)))
    });
    group.bench_function(format!("barsmith-{backend}"), |b| {
        b.iter(|| ours.permutation_entropy(black_box(prices), 3, 1))
    });
    group.finish();

    let mut group = c.benchmark_group("kyle_n500");
    group.bench_function("rangebar-core-12.39", |b| {
        b.iter(|| peer::interbar_math::compute_kyle_lambda(black_box(&snapshot_refs)))
    });
    group.bench_function(format!("barsmith-{backend}"), |b| b.iter(|| ours.kyle_lambda(black_box(&returns), &signed)));
    group.finish();

    let mut group = c.benchmark_group("hurst_n500");
    group.bench_function("rangebar-core-12.39-rssimple", |b| b.iter(|| peer_hurst::rssimple(black_box(&returns))));
    group.bench_function(format!("barsmith-{backend}-hurst_rs"), |b| {
        b.iter(|| ours.hurst_rs(black_box(&returns), None))
    });
    group.bench_function(format!("barsmith-{backend}-hurst_dfa"), |b| {
        b.iter(|| ours.hurst_dfa(black_box(&returns), None))
    });
    group.finish();
}

criterion_group!(benches, kernels_vs_peer);
criterion_main!(benches);
