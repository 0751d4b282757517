use super::*;

fn spec(text: &str) -> BarSpec {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn parses_every_kind_exactly() {
    assert_eq!(spec("range:250"), BarSpec::Range(Threshold::from_dbps(250).unwrap()));
    assert_eq!(spec("tick:1000"), BarSpec::Total { measure: Measure::Tick, amount: 1000, carry: false });
    assert_eq!(spec("volume:50.5"), BarSpec::Total { measure: Measure::Volume, amount: 5_050_000_000, carry: false });
    let ten_million = 10_000_000 * 10i128.pow(16);
    assert_eq!(spec("dollar:10000000"), BarSpec::Total { measure: Measure::Dollar, amount: ten_million, carry: false });
    assert_eq!(spec("dollar:1e7"), spec("dollar:10000000"));
    assert_eq!(spec("dollar:0.1E8"), spec("dollar:10000000"));
    assert_eq!(spec("volume:2.5e-3"), BarSpec::Total { measure: Measure::Volume, amount: 250_000, carry: false });
    assert_eq!(spec("volume:1:carry"), BarSpec::Total { measure: Measure::Volume, amount: 100_000_000, carry: true });
    assert_eq!(spec("time:1m"), BarSpec::Time { interval_us: 60_000_000 });
    assert_eq!(spec("time:1d"), BarSpec::Time { interval_us: 86_400_000_000 });
    assert_eq!(
        spec("tick-imbalance:ewma"),
        BarSpec::Imbalance {
            measure: Measure::Tick,
            threshold: Expected::Ewma { init: 1000, span: 20 },
            sign: SignRule::Aggressor
        }
    );
    assert_eq!(
        spec("volume-run:ewma:span=5:init=100:tick-rule"),
        BarSpec::Run {
            measure: Measure::Volume,
            threshold: Expected::Ewma { init: 100, span: 5 },
            sign: SignRule::TickRule
        }
    );
    assert_eq!(
        spec("dollar-imbalance:5e5"),
        BarSpec::Imbalance {
            measure: Measure::Dollar,
            threshold: Expected::Fixed(500_000 * 10i128.pow(16)),
            sign: SignRule::Aggressor
        }
    );
}

#[test]
fn text_round_trips_canonically() {
    for text in [
        "range:250",
        "tick:1000",
        "volume:50.5",
        "volume:0.00000001:carry",
        "dollar:10000000",
        "time:5m",
        "time:1500ms",
        "time:1d",
        "tick-imbalance:ewma:init=1000:span=20",
        "dollar-run:ewma:init=50:span=3:tick-rule",
        "volume-imbalance:12.25",
        "tick-run:40:tick-rule",
    ] {
        assert_eq!(spec(text).to_string(), text);
    }
    assert_eq!(spec("dollar:1e7").to_string(), "dollar:10000000");
    assert_eq!(spec("tick-imbalance:ewma").to_string(), "tick-imbalance:ewma:init=1000:span=20");
}

#[test]
fn bad_text_is_one_clear_error_naming_the_setting() {
    for (text, why) in [
        ("tick", "no `:`"),
        ("candle:5", "unknown kind"),
        ("tick:1.5", "whole number of records"),
        ("volume:0.000000001", "at most 8 decimals"),
        ("volume:0", "positive"),
        ("dollar:-5", "positive decimal"),
        ("dollar:1e", "positive decimal"),
        ("range:0", "outside the valid range"),
        ("range:2.5", "whole number of dbps"),
        ("time:5", "unit"),
        ("time:5y", "unit"),
        ("volume:1:keep", "only option"),
        ("tick-imbalance:ewma:span=0", "span"),
        ("tick-run:10:init=5", "unexpected option"),
        ("price-run:10", "unknown kind"),
        ("dollar:1e40", "positive decimal"),
    ] {
        let error = text.parse::<BarSpec>().unwrap_err().to_string();
        assert!(error.starts_with("bars: invalid bar specification"), "{text}: {error}");
        assert!(error.contains(why), "{text}: {error}");
    }
}

#[test]
fn serde_writes_the_text() {
    let json = serde_json::to_string(&spec("volume:50.5")).unwrap();
    assert_eq!(json, "\"volume:50.5\"");
    assert_eq!(serde_json::from_str::<BarSpec>(&json).unwrap(), spec("volume:50.5"));
    assert!(serde_json::from_str::<BarSpec>("\"volume:x\"").is_err());
}
