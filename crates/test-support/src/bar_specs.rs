//! Bar specifications for property tests, scaled to the streams of [`crate::trades::strategy`] (prices near
//! 100, quantities up to 50, timestamps a few µs apart): every kind, so that each closes bars often.

use barsmith_core::BuilderConfig;
use proptest::prelude::*;

/// The text of a specification of any kind, scaled so that a few hundred records make several bars.
pub fn spec_text() -> impl Strategy<Value = String> {
    let ewma = (1u64..40, 1u32..8).prop_map(|(init, span)| format!("ewma:init={init}:span={span}"));
    let sign = prop_oneof![Just(""), Just(":tick-rule")];
    let measure_amount = prop_oneof![
        (1u32..30).prop_map(|n| ("tick", n.to_string())),
        (1u32..4000).prop_map(|n| ("volume", format!("{}.{:02}", n / 100, n % 100))),
        (1u32..400).prop_map(|n| ("dollar", format!("{n}e2"))),
    ];
    let signed = (measure_amount.clone(), prop_oneof![Just("imbalance"), Just("run")], any::<bool>(), ewma, sign)
        .prop_map(|((measure, amount), family, fixed, ewma, sign)| {
            format!("{measure}-{family}:{}{sign}", if fixed { amount } else { ewma })
        });
    prop_oneof![
        (1u32..200).prop_map(|d| format!("range:{d}")),
        (measure_amount, any::<bool>())
            .prop_map(|((m, a), carry)| format!("{m}:{a}{}", if carry { ":carry" } else { "" })),
        (1u32..40).prop_map(|us| format!("time:{us}us")),
        signed,
    ]
}

/// A builder configuration of any kind; range bars with or without the gate and a minimum duration.
pub fn config() -> impl Strategy<Value = BuilderConfig> {
    (spec_text(), any::<bool>(), prop_oneof![Just(0i64), 1i64..12]).prop_map(|(text, gate, min_duration_us)| {
        let spec = text.parse().expect("generated specifications parse");
        let mut config = BuilderConfig::of(spec);
        if config.threshold().is_some() {
            config.same_timestamp_gate = gate;
            config.min_duration_us = min_duration_us;
        }
        config
    })
}
