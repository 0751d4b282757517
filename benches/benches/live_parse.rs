//! The live path's parsers: aggTrade WebSocket messages (combined-stream spot, µs) and REST pages of 1000 rows,
//! in messages (rows) per second. Numbers: docs/PERFORMANCE.md, "Live".

use std::hint::black_box;

use barsmith_binance::live::message::{
    Message, ParseError, parse_message, parse_message_reference, parse_rest_page, parse_rest_page_reference,
};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// `count` messages as Binance's combined spot stream sends them, prices on a 0.01 grid, varied quantities.
fn messages(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let price = 8_764_821 + (i as i64 * 7919) % 2_000 - 1_000;
            let time = 1_767_225_600_000_000 + i as i64 * 137;
            format!(
                r#"{{"stream":"btcusdt@aggTrade","data":{{"e":"aggTrade","E":{time},"s":"BTCUSDT","a":{},"p":"{}.{:02}000000","q":"0.{:08}","f":{},"l":{},"T":{time},"m":{},"M":true}}}}"#,
                5_723_703_861 + i,
                price / 100,
                price % 100,
                1 + (i * 104_729) % 99_999_999,
                9_000_000_000 + 2 * i,
                9_000_000_001 + 2 * i,
                i % 3 == 0
            )
        })
        .collect()
}

/// One REST page of `rows` rows.
fn page(rows: usize) -> String {
    let rows: Vec<String> = messages(rows)
        .iter()
        .map(|m| {
            let data = &m[m.find(r#""a":"#).unwrap()..m.len() - 2];
            format!("{{{data}}}")
        })
        .collect();
    format!("[{}]", rows.join(","))
}

/// Counts closed bars.
struct Count(u64);

impl barsmith::BarConsumer for Count {
    fn bar(&mut self, _: usize, _: &barsmith::FeaturedBar, _: bool) -> Result<(), barsmith::Error> {
        self.0 += 1;
        Ok(())
    }
}

fn live_parsers(c: &mut Criterion) {
    let messages = messages(10_000);
    let mut group = c.benchmark_group("live_parse");
    group.throughput(Throughput::Elements(messages.len() as u64));
    type Parser = for<'a> fn(&'a [u8]) -> Result<Message<'a>, ParseError>;
    let parsers: [(&str, Parser); 2] =
        [("ws_message", parse_message), ("ws_message_serde_json", parse_message_reference)];
    for (name, parse) in parsers {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut sum = 0i64;
                for message in &messages {
                    if let Ok(Message::Trade { trade, .. }) = parse(black_box(message.as_bytes())) {
                        sum = sum.wrapping_add(trade.price.0);
                    }
                }
                sum
            })
        });
    }
    // Parsed into the pipeline (plain bars, 10 dbps), as the live run does: one trade batch per message.
    group.bench_function("ws_message_into_pipeline", |b| {
        let mut config = barsmith::PipelineConfig::new(vec![barsmith_core::Threshold::from_dbps(10).unwrap()]);
        config.settings.features = barsmith::FeatureConfig::default().with_groups(&[]);
        let mut batch = barsmith_core::TradeBatch::new();
        b.iter_batched(
            || barsmith::BarPipeline::new(&config).unwrap(),
            |mut pipeline| {
                let mut bars = Count(0);
                for message in &messages {
                    if let Ok(Message::Trade { trade, .. }) = parse_message(black_box(message.as_bytes())) {
                        batch.clear();
                        batch.push(&trade);
                        pipeline.push_batch(&batch, &mut bars).unwrap();
                    }
                }
                bars.0
            },
            BatchSize::SmallInput,
        )
    });
    let page = page(1000);
    assert_eq!(parse_rest_page(page.as_bytes()).unwrap().len(), 1000);
    group.throughput(Throughput::Elements(1000));
    group.bench_function("rest_page_1000", |b| b.iter(|| parse_rest_page(black_box(page.as_bytes())).unwrap().len()));
    group.bench_function("rest_page_1000_serde_json", |b| {
        b.iter(|| parse_rest_page_reference(black_box(page.as_bytes())).unwrap().len())
    });
    group.finish();
}

criterion_group!(benches, live_parsers);
criterion_main!(benches);
