//! Trial finding 29: a hole of hours in the data (a missing day) is marked on the chart's bar-number axis,
//! which would otherwise hide it; data without one has no mark.

mod common;

use common::{barsmith, day_config, s, stderr, write_daily_zip};

fn plot_svg(dir: &std::path::Path, days: &[u32], format: &str) -> String {
    let inputs: Vec<_> =
        days.iter().map(|&day| write_daily_zip(dir, "EEEUSDT", day, &day_config(5, day, 3_000))).collect();
    let bars = dir.join(format!("bars-{}.{format}", days.len()));
    let mut args = vec!["bars", "-q", "--threshold-dbps", "20", "--features", "none", "-o", s(&bars)];
    args.extend(inputs.iter().map(|p| s(p)));
    let run = barsmith(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    let svg = dir.join(format!("chart-{}-{format}.svg", days.len()));
    let run = barsmith(&["plot", s(&bars), "-o", s(&svg)]);
    assert!(run.status.success(), "{}", stderr(&run));
    std::fs::read_to_string(svg).unwrap()
}

#[test]
fn a_missing_day_is_marked_with_its_length_and_a_whole_day_is_not() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["csv", "parquet"] {
        let svg = plot_svg(dir.path(), &[1, 3], format);
        let label = svg.find(" h without records").unwrap_or_else(|| panic!("no hole marked ({format})"));
        let hours: f64 = svg[..label].rsplit('>').next().unwrap().trim().parse().unwrap();
        // Day 1's records end early in the day and day 3's begin at its start: more than a day apart.
        assert!((24.0..48.0).contains(&hours), "{hours} h ({format})");
        let subtitle = svg.find("hole(s) of 1 h").map(|i| &svg[i.saturating_sub(120)..i + 40]);
        assert!(svg.contains("1 hole(s) of 1 h or more without records"), "{format}: {subtitle:?}");
    }
    let svg = plot_svg(dir.path(), &[1], "csv");
    assert!(!svg.contains("without records"));
}
