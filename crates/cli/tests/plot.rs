//! `barsmith plot` end to end: bars of the bundled fixture drawn as SVG and PNG, checked against the bars
//! themselves (one candle per bar in the right colour, volumes to scale, gaps where a feature is null), byte
//! determinism, CSV and Parquet inputs drawing the same chart, and the bad-input errors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use barsmith_test_support::command::TestCommand;

/// Colours of docs/PLOT.md (crates/cli/src/plot/draw.rs).
const UP: &str = "#26A69A";
const DOWN: &str = "#EF5350";
const FLAT: &str = "#787B86";
const BUY: &str = "#7FCBC3";
const SELL: &str = "#F5A3A1";
const FEATURE: &str = "#2962FF";

fn barsmith(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_barsmith")).args(args).output().expect("run barsmith")
}

/// `barsmith bars --threshold-dbps DBPS -q` (the input and `-o` follow).
fn bars_cmd(dbps: &str) -> TestCommand {
    TestCommand::new(env!("CARGO_BIN_EXE_barsmith")).args(["bars", "--threshold-dbps", dbps, "-q"])
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/SYNTHUSDT-aggTrades-2026-01-01.csv")
}

/// Bars of the fixture at 10 dbps, written by `barsmith bars` as `DIR/SYNTHUSDT-10dbps.{extension}`.
fn fixture_bars(dir: &Path, extension: &str) -> PathBuf {
    fixture_bars_at(dir, 10, extension)
}

fn fixture_bars_at(dir: &Path, dbps: u32, extension: &str) -> PathBuf {
    let out = dir.join(format!("SYNTHUSDT-{dbps}dbps.{extension}"));
    bars_cmd(&dbps.to_string()).arg("-o").arg(&out).arg(fixture()).assert_ok();
    out
}

/// The bars as the test reads them itself: one map of column → text per bar.
fn read_bars(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| header.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect())
        .collect()
}

fn number(bar: &HashMap<String, String>, column: &str) -> f64 {
    bar[column].parse().unwrap()
}

fn plot(args: &[&str]) -> Output {
    let mut all = vec!["plot"];
    all.extend_from_slice(args);
    barsmith(&all)
}

fn plot_ok(args: &[&str]) {
    let run = plot(args);
    assert!(run.status.success(), "plot {args:?}: {}", String::from_utf8_lossy(&run.stderr));
}

/// `barsmith plot BARS -o OUT EXTRA…`, which must succeed.
fn plot_into(bars: &std::path::Path, out: &std::path::Path, extra: &[&str]) {
    let mut args = vec![bars.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    plot_ok(&args);
}

/// Every `<tag …/>` element of an SVG, as attribute maps, in document order.
fn elements(svg: &str, tag: &str) -> Vec<HashMap<String, String>> {
    let open = format!("<{tag} ");
    let mut found = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find(&open) {
        let body = &rest[start + open.len()..];
        let end = body.find('>').unwrap();
        let mut attributes = HashMap::new();
        let mut text = &body[..end];
        while let Some(eq) = text.find("=\"") {
            let name = text[..eq].trim().to_owned();
            let value_end = text[eq + 2..].find('"').unwrap();
            attributes.insert(name, text[eq + 2..eq + 2 + value_end].to_owned());
            text = &text[eq + 2 + value_end + 1..];
        }
        found.push(attributes);
        rest = &body[end..];
    }
    found
}

fn int(element: &HashMap<String, String>, name: &str) -> i64 {
    element[name].parse().unwrap()
}

fn filled(rects: &[HashMap<String, String>], colours: &[&str]) -> Vec<HashMap<String, String>> {
    rects.iter().filter(|r| colours.iter().any(|c| r["fill"].eq_ignore_ascii_case(c))).cloned().collect()
}

fn expected_colour(bar: &HashMap<String, String>) -> &'static str {
    let (open, close) = (number(bar, "open"), number(bar, "close"));
    if close > open {
        UP
    } else if close < open {
        DOWN
    } else {
        FLAT
    }
}

/// Candle bodies: one per bar, each in the colour of its bar's direction, left to right without touching.
fn check_candles(svg: &str, bars: &[HashMap<String, String>]) {
    let bodies = filled(&elements(svg, "rect"), &[UP, DOWN, FLAT]);
    assert_eq!(bodies.len(), bars.len(), "one candle body per bar");
    let (mut ups, mut downs) = (0, 0);
    for (i, (body, bar)) in bodies.iter().zip(bars).enumerate() {
        let colour = expected_colour(bar);
        assert!(body["fill"].eq_ignore_ascii_case(colour), "bar {i}: {} drawn {}", colour, body["fill"]);
        ups += usize::from(colour == UP);
        downs += usize::from(colour == DOWN);
        assert!(int(body, "width") >= 1 && int(body, "height") >= 1, "bar {i}: body {body:?}");
    }
    assert!(ups > 0 && downs > 0, "the fixture has up and down bars ({ups} up, {downs} down)");
    for pair in bodies.windows(2) {
        assert!(int(&pair[0], "x") + int(&pair[0], "width") < int(&pair[1], "x"), "overlap: {pair:?}");
    }
}

#[test]
fn svg_has_one_candle_per_bar_in_its_colour() {
    let dir = tempfile::tempdir().unwrap();
    let bars_path = fixture_bars(dir.path(), "csv");
    let bars = read_bars(&bars_path);
    assert!(bars.len() > 100 && bars.len() < 700, "fixture gives {} bars", bars.len());
    let svg_path = dir.path().join("all.svg");
    plot_ok(&[bars_path.to_str().unwrap(), "-o", svg_path.to_str().unwrap()]);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    check_candles(&svg, &bars);
    assert!(svg.contains("SYNTHUSDT · range bars 10 dbps (0.01 %)"), "title names symbol and threshold");
    assert!(svg.contains(&format!("{} bars, #0–#{} of {}", bars.len(), bars.len() - 1, bars.len())));
    assert!(!svg.contains("thinned"));

    // --last and --from/--to select contiguous bars by count and by open time.
    let last = dir.path().join("last.svg");
    plot_ok(&[bars_path.to_str().unwrap(), "-o", last.to_str().unwrap(), "--last", "50"]);
    check_candles(&std::fs::read_to_string(&last).unwrap(), &bars[bars.len() - 50..]);
    let (from, to) = (&bars[20]["open_time"], &bars[80]["open_time"]);
    let window = dir.path().join("window.svg");
    plot_ok(&[bars_path.to_str().unwrap(), "-o", window.to_str().unwrap(), "--from", from, "--to", to]);
    check_candles(&std::fs::read_to_string(&window).unwrap(), &bars[20..80]);
}

#[test]
fn forming_bar_is_hollow_and_a_csv_without_a_telling_name_takes_symbol_and_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let bars_path = dir.path().join("bars.csv");
    bars_cmd("10").arg("--include-incomplete").arg("-o").arg(&bars_path).arg(fixture()).assert_ok();
    let bars = read_bars(&bars_path);
    assert_eq!(bars.last().unwrap()["is_complete"], "false");
    let svg_path = dir.path().join("forming.svg");
    plot_ok(&[bars_path.to_str().unwrap(), "-o", svg_path.to_str().unwrap(), "--last", "20"]);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(
        svg.contains("symbol not recorded (--symbol) · range bars (threshold not recorded: --threshold-dbps)"),
        "nothing made up, and the title says which flags give what the file does not record"
    );
    let rects = elements(&svg, "rect");
    let bodies = filled(&rects, &[UP, DOWN, FLAT]);
    assert_eq!(bodies.len(), 19, "completed bars are filled");
    let hollow: Vec<_> = rects.iter().filter(|r| r["fill"] == "none").collect();
    assert_eq!(hollow.len(), 1, "the forming bar is hollow");
    assert!(hollow[0]["stroke"].eq_ignore_ascii_case(expected_colour(bars.last().unwrap())));

    plot_into(&bars_path, &svg_path, &["--symbol", "SYNTH", "--threshold-dbps", "10"]);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.contains("SYNTH · range bars 10 dbps (0.01 %) · 2026-01-01 00:00:00 →"));
}

#[test]
fn volume_panel_stacks_buy_and_sell_to_scale() {
    let dir = tempfile::tempdir().unwrap();
    let bars_path = fixture_bars(dir.path(), "csv");
    let bars = read_bars(&bars_path);
    let svg_path = dir.path().join("volume.svg");
    plot_ok(&[bars_path.to_str().unwrap(), "-o", svg_path.to_str().unwrap()]);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let rects = elements(&svg, "rect");
    let (buys, sells) = (filled(&rects, &[BUY]), filled(&rects, &[SELL]));
    assert_eq!((buys.len(), sells.len()), (bars.len(), bars.len()), "one buy and one sell segment per bar");

    let baseline = int(&buys[0], "y") + int(&buys[0], "height");
    // Drawn to scale: one number of pixels per unit of volume for which every stack's height is its bar's
    // `volume`, and every buy segment its `buy_volume`, within the drawing's rounding (1.5 px). Each bar allows
    // an interval of scales; all of them must overlap.
    let (mut lowest, mut highest) = (0.0f64, f64::INFINITY);
    let mut allow = |pixels: i64, value: f64| {
        if value > 0.0 {
            lowest = lowest.max((pixels as f64 - 1.5) / value);
            highest = highest.min((pixels as f64 + 1.5) / value);
        } else {
            assert_eq!(pixels, 0, "nothing to draw, nothing drawn");
        }
    };
    for (i, ((buy, sell), bar)) in buys.iter().zip(&sells).zip(&bars).enumerate() {
        assert_eq!(int(buy, "y") + int(buy, "height"), baseline, "bar {i}: buy volume starts at 0");
        assert_eq!(int(sell, "y") + int(sell, "height"), int(buy, "y"), "bar {i}: sell stacked on buy");
        assert_eq!(buy["x"], sell["x"], "bar {i}");
        allow(int(buy, "height") + int(sell, "height"), number(bar, "volume"));
        allow(int(buy, "height"), number(bar, "buy_volume"));
        allow(int(sell, "height"), number(bar, "sell_volume"));
    }
    assert!(lowest <= highest, "no single scale draws every volume: {lowest} > {highest} px per unit");
    let tallest = buys.iter().zip(&sells).map(|(b, s)| int(b, "height") + int(s, "height")).max().unwrap();
    assert!(tallest > 80, "the largest volume is drawn {tallest} px tall: the check above would be too loose");
}

/// Runs of consecutive non-null values, as (first index, length).
fn present_runs(values: &[Option<f64>]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, v) in values.iter().chain(std::iter::once(&None)).enumerate() {
        match (v, start) {
            (Some(_), None) => start = Some(i),
            (None, Some(s)) => {
                runs.push((s, i - s));
                start = None;
            }
            _ => {}
        }
    }
    runs
}

#[test]
fn feature_panel_has_gaps_where_the_feature_is_null() {
    let dir = tempfile::tempdir().unwrap();
    let bars_path = fixture_bars(dir.path(), "csv");
    let bars = read_bars(&bars_path);
    let column = "intra_hurst_dfa";
    let values: Vec<Option<f64>> = bars.iter().map(|b| b[column].parse().ok()).collect();
    let nulls = values.iter().filter(|v| v.is_none()).count();
    assert!(nulls > 0 && nulls < values.len(), "{column} has {nulls} nulls in {} bars", values.len());

    let svg_path = dir.path().join("feature.svg");
    plot_ok(&[bars_path.to_str().unwrap(), "-o", svg_path.to_str().unwrap(), "--feature", column, "--feature", "ofi"]);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    // Candle x positions: the wicks (one polyline per bar, in a candle colour).
    let polylines = elements(&svg, "polyline");
    let candle_x: Vec<i64> = polylines
        .iter()
        .filter(|p| [UP, DOWN, FLAT].iter().any(|c| p["stroke"].eq_ignore_ascii_case(c)))
        .map(|p| p["points"].split(',').next().unwrap().trim().parse().unwrap())
        .collect();
    assert_eq!(candle_x.len(), bars.len());

    let lines: Vec<Vec<i64>> = polylines
        .iter()
        .filter(|p| p["stroke"].eq_ignore_ascii_case(FEATURE))
        .map(|p| p["points"].split_whitespace().map(|xy| xy.split(',').next().unwrap().parse().unwrap()).collect())
        .collect();
    let dots: Vec<i64> = elements(&svg, "circle")
        .iter()
        .filter(|c| c["fill"].eq_ignore_ascii_case(FEATURE))
        .map(|c| int(c, "cx"))
        .collect();
    let runs = present_runs(&values);
    let (mut line, mut dot) = (0, 0);
    for &(start, length) in &runs {
        let expected: Vec<i64> = candle_x[start..start + length].to_vec();
        if length == 1 {
            assert_eq!(dots[dot], expected[0], "dot for bar {start}");
            dot += 1;
        } else {
            assert_eq!(lines[line], expected, "line for bars {start}..{}", start + length);
            line += 1;
        }
    }
    assert_eq!((line, dot), (lines.len(), dots.len()), "one line or dot per run of non-null values, nothing else");
    assert!(svg.contains(&format!("{column} · {nulls} of {} bars null (gaps)", bars.len())));
    assert!(svg.contains("ofi · no nulls"), "the second panel is drawn too");
}

#[test]
fn many_bars_are_thinned_without_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let bars_path = fixture_bars_at(dir.path(), 1, "csv");
    let bars = read_bars(&bars_path);
    let svg_path = dir.path().join("thin.svg");
    plot_ok(&[bars_path.to_str().unwrap(), "-o", svg_path.to_str().unwrap()]);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let bodies = filled(&elements(&svg, "rect"), &[UP, DOWN, FLAT]);
    // 1600 px wide: 1408 px of plot, at most 704 candles of two pixels.
    let group = bars.len().div_ceil(704);
    assert!(group > 1, "{} bars fit without thinning", bars.len());
    assert_eq!(bodies.len(), bars.len().div_ceil(group));
    assert!(svg.contains(&format!("thinned: each candle merges {group} consecutive bars")));
    for pair in bodies.windows(2) {
        assert!(int(&pair[0], "x") + int(&pair[0], "width") < int(&pair[1], "x"), "overlap: {pair:?}");
    }
    // A merged candle is up when its last close is above its first open.
    for (body, chunk) in bodies.iter().zip(bars.chunks(group)) {
        let (open, close) = (number(&chunk[0], "open"), number(&chunk[chunk.len() - 1], "close"));
        let colour = if close > open {
            UP
        } else if close < open {
            DOWN
        } else {
            FLAT
        };
        assert!(body["fill"].eq_ignore_ascii_case(colour));
    }
}

#[test]
fn png_decodes_to_the_requested_size_and_is_not_blank() {
    let dir = tempfile::tempdir().unwrap();
    let bars_path = fixture_bars(dir.path(), "csv");
    let png_path = dir.path().join("chart.png");
    plot_into(&bars_path, &png_path, &["--size", "1000x620", "--feature", "intra_ofi"]);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (1000, 620));
    assert_eq!(frame.color_type, png::ColorType::Rgb);
    let pixels = &pixels[..frame.buffer_size()];
    let count = |hex: &str| {
        let rgb: Vec<u8> = (0..3).map(|i| u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap()).collect();
        pixels.chunks(3).filter(|p| *p == rgb.as_slice()).count()
    };
    let total = pixels.len() / 3;
    let white = count("#FFFFFF");
    assert!(white < total * 97 / 100, "{white} of {total} pixels are white");
    for colour in [UP, DOWN, BUY, SELL, FEATURE] {
        assert!(count(colour) > 50, "{colour}: {} pixels", count(colour));
    }
    // Text was drawn (dark anti-aliased pixels from the embedded font).
    assert!(pixels.chunks(3).filter(|p| p.iter().all(|&v| v < 100)).count() > 500);
}

#[test]
fn same_input_same_bytes_and_parquet_draws_like_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv_bars = fixture_bars(dir.path(), "csv");
    let parquet_bars = fixture_bars(dir.path(), "parquet");
    let render = |input: &Path, name: &str| {
        let out = dir.path().join(name);
        plot_ok(&[input.to_str().unwrap(), "-o", out.to_str().unwrap(), "--feature", "lookback_hurst_dfa"]);
        std::fs::read(out).unwrap()
    };
    let first = render(&csv_bars, "a.svg");
    assert_eq!(first, render(&csv_bars, "b.svg"), "SVG is deterministic");
    assert_eq!(render(&csv_bars, "a.png"), render(&csv_bars, "b.png"), "PNG is deterministic");
    assert_eq!(first, render(&parquet_bars, "c.svg"), "Parquet input draws the same chart as CSV");
}

/// A bad invocation: exit code 2, one line on stderr containing `needle`, and no output file.
fn check_refused(args: &[&str], output: &Path, needle: &str) {
    let run = plot(args);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(needle), "{args:?}: {stderr}");
    assert!(!output.exists(), "{args:?} left {}", output.display());
    let leftovers: Vec<_> = std::fs::read_dir(output.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_time_outside_the_files_days_is_refused_and_ms_get_the_us_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_bars(dir.path(), "csv");
    let (bars, out) = (path.to_str().unwrap(), dir.path().join("out.svg"));
    let o = out.to_str().unwrap();
    let open_us: i64 = read_bars(&path)[20]["open_time"].parse().unwrap();
    let ms = (open_us / 1000).to_string();
    for flag in ["--from", "--to"] {
        // A millisecond epoch read as µs is in January 1970: refused, with the µs value to give instead.
        let suggestion = format!("looks like ms since the epoch: the µs value is {}", open_us / 1000 * 1000);
        check_refused(&[bars, "-o", o, flag, &ms], &out, &suggestion);
        check_refused(&[bars, "-o", o, flag, &ms], &out, "outside the days the file covers (its ");
        for text in ["2030-01-01", "2020-01-01", "2025-12-31T23:59"] {
            check_refused(&[bars, "-o", o, flag, text], &out, "bars open from 2026-01-01 00:0");
        }
    }
    // The file's own days, start to end, are accepted.
    plot_ok(&[bars, "-o", o, "--from", "2026-01-01", "--to", "2026-01-02"]);
}

#[test]
fn bad_input_is_refused_with_one_line_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let bars = fixture_bars(dir.path(), "csv");
    let bars = bars.to_str().unwrap();
    let out = dir.path().join("out.svg");
    let o = out.to_str().unwrap();

    check_refused(&[fixture().to_str().unwrap(), "-o", o], &out, "is not a bar file written by `barsmith bars`");
    let unknown = plot(&[bars, "-o", o, "--feature", "hurst"]);
    let message = String::from_utf8_lossy(&unknown.stderr).into_owned();
    check_refused(&[bars, "-o", o, "--feature", "hurst"], &out, "unknown --feature `hurst`");
    for listed in ["ofi", "intra_hurst_dfa", "lookback_permutation_entropy"] {
        assert!(message.contains(listed), "the error lists {listed}: {message}");
    }
    check_refused(&[bars, "-o", o, "--from", "2026-01-01T12:00", "--to", "2026-01-01T11:00"], &out, "no bars in");
    check_refused(
        &[bars, "-o", o, "--feature", "ofi", "--feature", "intra_ofi", "--feature", "lookback_ofi"],
        &out,
        "at most 2",
    );
    let jpg = dir.path().join("out.jpg");
    check_refused(&[bars, "-o", jpg.to_str().unwrap()], &jpg, "must end in .png or .svg");
    check_refused(&[dir.path().join("missing.csv").to_str().unwrap(), "-o", o], &out, "cannot open");

    // A CSV whose number is broken: file, line, column and the text.
    let broken = dir.path().join("broken.csv");
    let text = std::fs::read_to_string(bars).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[3] = lines[3].replacen(',', ",x", 3);
    std::fs::write(&broken, lines.join("\n")).unwrap();
    check_refused(&[broken.to_str().unwrap(), "-o", o], &out, "line 4, column");

    // Bars without features: the error says so.
    let bare = dir.path().join("SYNTHUSDT-10dbps-bare.parquet");
    bars_cmd("10").args(["--features", "none", "-o"]).arg(&bare).arg(fixture()).assert_ok();
    check_refused(&[bare.to_str().unwrap(), "-o", o, "--feature", "ofi"], &out, "has no feature columns");

    // Never written over: the input itself, or something that is not a regular file.
    let input_copy = dir.path().join("bars.svg");
    std::fs::copy(bars, &input_copy).unwrap();
    let run = plot(&[input_copy.to_str().unwrap(), "-o", input_copy.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&input_copy).unwrap(), text, "input untouched");
    #[cfg(unix)]
    {
        let link = dir.path().join("link.svg");
        std::os::unix::fs::symlink(dir.path().join("elsewhere.svg"), &link).unwrap();
        let run = plot(&[bars, "-o", link.to_str().unwrap()]);
        assert_eq!(run.status.code(), Some(2), "{}", String::from_utf8_lossy(&run.stderr));
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    }
}

/// Trial finding 7 and 8: plot reads every format `bars` writes, and recognises the names `bars` gives a
/// directory run (symbol, threshold and period) for its title.
#[test]
fn every_format_and_name_bars_writes_is_plotted_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mut charts = Vec::new();
    for format in ["csv", "csv.gz", "csv.zst", "parquet"] {
        let out = dir.path().join(format.replace('.', "-"));
        bars_cmd("10").args(["--format", format, "-o"]).arg(&out).arg(fixture()).assert_ok();
        let written = out.join(format!("SYNTHUSDT-10dbps-2026-01-01.{format}"));
        assert!(written.is_file(), "bars names a directory run's output with the period: {written:?}");
        let chart = dir.path().join(format!("{}.svg", format.replace('.', "-")));
        plot_ok(&[written.to_str().unwrap(), "-o", chart.to_str().unwrap()]);
        let svg = std::fs::read_to_string(&chart).unwrap();
        assert!(svg.contains("SYNTHUSDT · range bars 10 dbps (0.01 %)"), "{format}: the title comes from the name");
        charts.push((format, svg));
    }
    for (format, svg) in &charts[1..] {
        assert!(*svg == charts[0].1, "{format}: the same chart as from the plain CSV");
    }
}

/// Trial finding 29 (in part): `max_gap_us`, the column where exchange outages and holes in the data show, can
/// be drawn as a feature panel, from CSV and from Parquet.
#[test]
fn max_gap_us_can_be_drawn() {
    let dir = tempfile::tempdir().unwrap();
    for extension in ["csv", "parquet"] {
        let bars = fixture_bars(dir.path(), extension);
        let chart = dir.path().join(format!("gaps-{extension}.svg"));
        plot_ok(&[bars.to_str().unwrap(), "-o", chart.to_str().unwrap(), "--feature", "max_gap_us"]);
        assert!(std::fs::read_to_string(&chart).unwrap().contains("max_gap_us"), "{extension}: the panel is labelled");
    }
}
