//! Parquet output read back with the parquet crate's Arrow reader and compared, value by value, with the CSV
//! output of the same bars: exact columns as text (Arrow's own decimal formatting against ours), floats bit for
//! bit against the CSV text parsed by the standard library, nulls against empty fields.
//!
//! Without the `parquet` cargo feature, only the refusal is tested.

#[cfg(not(feature = "parquet"))]
#[test]
fn without_the_feature_parquet_output_is_a_usage_error() {
    use barsmith::ErrorKind;
    use barsmith::output::{OutputSchema, RunMetadata};
    use barsmith_core::Threshold;
    use barsmith_core::features::FeatureConfig;

    let schema =
        OutputSchema { features: FeatureConfig::default(), include_incomplete: false, identity_columns: false };
    let run = RunMetadata {
        symbol: "BTCUSDT".to_string(),
        threshold: Threshold::from_dbps(250).unwrap(),
        same_timestamp_gate: true,
        lookback: "count:500".to_string(),
        backend: "scalar".to_string(),
        inputs: Vec::new(),
        settings: Vec::new(),
    };
    let dir = tempfile::tempdir().unwrap();
    let Err(error) = barsmith::output::parquet::create(&dir.path().join("bars.parquet"), &schema, &run) else {
        panic!("Parquet output opened without the feature");
    };
    assert!(matches!(error.kind(), ErrorKind::Usage(_)), "{error}");
    assert!(error.to_string().contains("cargo feature `parquet`"), "{error}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[cfg(feature = "parquet")]
mod read_back {

    use std::collections::HashMap;
    use std::fs::File;
    use std::path::{Path, PathBuf};

    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int64Type, TimestampMicrosecondType};
    use arrow_array::{Array, ArrayRef, RecordBatch};
    use arrow_schema::{DataType, TimeUnit};
    use barsmith::generate::{GenConfig, TradeGenerator};
    use barsmith::output::metadata_keys;
    use barsmith::output::parquet::{self as parquet_output, BATCH_ROWS, ROW_GROUP_BYTES, ROW_GROUP_ROWS};
    use barsmith::output::{BoxedWriter, CsvWriter, OutputSchema, RunMetadata};
    use barsmith::pipeline::BarConsumer;
    use barsmith::pipeline::{BarPipeline, CollectBars, PipelineConfig};
    use barsmith::{Error, ErrorKind};
    use barsmith_core::features::{FeatureConfig, FeaturedBar, LookbackMode};
    use barsmith_core::{Threshold, TradeBatch};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::basic::{Compression, Encoding};
    use parquet::file::metadata::ParquetMetaData;

    /// Completed bars (and the incomplete one when configured) of `trades` generated trades.
    fn bars(trades: u64, dbps: u32, features: FeatureConfig, include_incomplete: bool) -> Vec<(FeaturedBar, bool)> {
        let batch: TradeBatch = TradeGenerator::new(GenConfig { trades, ..GenConfig::default() }).collect();
        let mut config = PipelineConfig::new(vec![Threshold::from_dbps(dbps).unwrap()]);
        config.settings.features = features;
        config.settings.include_incomplete = include_incomplete;
        let mut pipeline = BarPipeline::new(&config).unwrap();
        let mut collected = CollectBars::default();
        pipeline.push_batch(&batch, &mut collected).unwrap();
        pipeline.finish(&mut collected).unwrap();
        let completed = collected.completed.into_iter().map(|(_, bar)| (bar, true));
        completed.chain(collected.incomplete.into_iter().map(|(_, bar)| (bar, false))).collect()
    }

    fn run_metadata(dbps: u32) -> RunMetadata {
        RunMetadata {
            symbol: "BTCUSDT".to_string(),
            spec: barsmith::core::BarSpec::Range(Threshold::from_dbps(dbps).unwrap()),
            same_timestamp_gate: true,
            lookback: "count:500".to_string(),
            backend: "scalar".to_string(),
            inputs: vec![PathBuf::from("data/BTCUSDT-aggTrades-2026-01-01.zip"), PathBuf::from("second \"file\".csv")],
            settings: Vec::new(),
        }
    }

    fn write_all(mut writer: BoxedWriter, rows: &[(FeaturedBar, bool)]) {
        for (bar, complete) in rows {
            writer.bar(0, bar, *complete).unwrap();
        }
        writer.finish().unwrap();
    }

    /// The CSV as a header and rows of fields (our CSV never quotes).
    fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
        let text = std::fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap().split(',').map(str::to_string).collect();
        let rows = lines.map(|line| line.split(',').map(str::to_string).collect()).collect();
        (header, rows)
    }

    /// The type each column must have, from `docs/OUTPUT.md`.
    fn expected_type(name: &str, integer_features: &[&str]) -> (DataType, bool) {
        const PRICES_AND_VOLUMES: [&str; 8] =
            ["open", "high", "low", "close", "vwap", "volume", "buy_volume", "sell_volume"];
        const TURNOVERS: [&str; 3] = ["turnover", "buy_turnover", "sell_turnover"];
        const INTEGERS: [&str; 8] = [
            "agg_record_count",
            "individual_trade_count",
            "buy_trade_count",
            "sell_trade_count",
            "first_agg_trade_id",
            "last_agg_trade_id",
            "first_trade_id",
            "last_trade_id",
        ];
        match name {
            "open_time" | "close_time" => (DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
            "is_complete" => (DataType::Boolean, false),
            "max_gap_us" => (DataType::Int64, true),
            _ if PRICES_AND_VOLUMES.contains(&name) => (DataType::Decimal128(38, 8), false),
            _ if TURNOVERS.contains(&name) => (DataType::Decimal128(38, 16), false),
            _ if INTEGERS.contains(&name) => (DataType::Int64, false),
            _ if name.ends_with("_f64") => (DataType::Float64, false),
            _ if integer_features.contains(&name) => (DataType::Int64, true),
            _ => (DataType::Float64, true),
        }
    }

    /// Reads the whole file: metadata and one concatenated list of batches.
    fn read_parquet(path: &Path) -> (std::sync::Arc<ParquetMetaData>, Vec<RecordBatch>) {
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
        let metadata = builder.metadata().clone();
        let batches = builder.build().unwrap().collect::<Result<Vec<_>, _>>().unwrap();
        (metadata, batches)
    }

    /// Column `name` of every batch, in order.
    fn column<'a>(batches: &'a [RecordBatch], name: &str) -> Vec<&'a ArrayRef> {
        batches.iter().map(|b| b.column_by_name(name).unwrap_or_else(|| panic!("no column {name}"))).collect()
    }

    /// The exact text of a non-float cell, as the CSV writes it (`None` for null).
    fn exact_text(array: &ArrayRef, row: usize) -> Option<String> {
        if array.is_null(row) {
            return None;
        }
        Some(match array.data_type() {
            DataType::Timestamp(..) => array.as_primitive::<TimestampMicrosecondType>().value(row).to_string(),
            DataType::Decimal128(..) => array.as_primitive::<arrow_array::types::Decimal128Type>().value_as_string(row),
            DataType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
            DataType::Boolean => array.as_boolean().value(row).to_string(),
            other => panic!("unexpected type {other}"),
        })
    }

    /// Compares Parquet column `parquet_name` with CSV column `csv_index`, row by row.
    fn compare_column(batches: &[RecordBatch], parquet_name: &str, rows: &[Vec<String>], csv_index: usize) {
        let mut row = 0;
        for array in column(batches, parquet_name) {
            for i in 0..array.len() {
                let csv = &rows[row][csv_index];
                if *array.data_type() == DataType::Float64 {
                    let floats = array.as_primitive::<Float64Type>();
                    let expected = (!csv.is_empty()).then(|| csv.parse::<f64>().unwrap().to_bits());
                    let actual = (!floats.is_null(i)).then(|| floats.value(i).to_bits());
                    assert_eq!(actual, expected, "{parquet_name} row {row}: CSV {csv:?}");
                } else {
                    let expected = (!csv.is_empty()).then(|| csv.clone());
                    assert_eq!(exact_text(array, i), expected, "{parquet_name} row {row}");
                }
                row += 1;
            }
        }
        assert_eq!(row, rows.len(), "{parquet_name}: row count");
    }

    fn check_metadata(metadata: &ParquetMetaData, run: &RunMetadata) {
        let pairs: HashMap<&str, &str> = metadata
            .file_metadata()
            .key_value_metadata()
            .unwrap()
            .iter()
            .map(|kv| (kv.key.as_str(), kv.value.as_deref().unwrap()))
            .collect();
        assert_eq!(pairs[metadata_keys::SYMBOL], "BTCUSDT");
        assert_eq!(pairs[metadata_keys::THRESHOLD_DBPS], run.spec.threshold().unwrap().dbps().to_string());
        assert_eq!(pairs[metadata_keys::SAME_TIMESTAMP_GATE], "true");
        assert_eq!(pairs[metadata_keys::LOOKBACK], "count:500");
        assert_eq!(pairs[metadata_keys::BACKEND], "scalar");
        assert_eq!(pairs[metadata_keys::VERSION], env!("CARGO_PKG_VERSION"));
        let inputs: Vec<String> = serde_json::from_str(pairs[metadata_keys::INPUTS]).unwrap();
        assert_eq!(inputs, ["data/BTCUSDT-aggTrades-2026-01-01.zip", "second \"file\".csv"]);
        for row_group in metadata.row_groups() {
            assert!(row_group.num_rows() as usize <= ROW_GROUP_ROWS);
            for chunk in row_group.columns() {
                assert!(matches!(chunk.compression(), Compression::ZSTD(_)), "{:?}", chunk.column_path());
                // No dictionary: it kept every (nearly always distinct) value of a row group in memory.
                assert!(chunk.dictionary_page_offset().is_none(), "dictionary in {:?}", chunk.column_path());
                assert!(
                    !chunk.encodings().any(|e| matches!(e, Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY)),
                    "dictionary encoding in {:?}",
                    chunk.column_path()
                );
            }
        }
    }

    /// Writes `rows` as CSV and Parquet and checks that the Parquet file holds the same values with the documented
    /// types; returns the number of row groups.
    fn round_trip(rows: &[(FeaturedBar, bool)], schema: OutputSchema, dbps: u32) -> usize {
        let dir = tempfile::tempdir().unwrap();
        let (csv_path, parquet_path) = (dir.path().join("bars.csv"), dir.path().join("bars.parquet"));
        let run = run_metadata(dbps);
        write_all(Box::new(CsvWriter::create(&csv_path, &schema).unwrap()), rows);
        write_all(parquet_output::create(&parquet_path, &schema, &run).unwrap(), rows);

        let (header, csv_rows) = read_csv(&csv_path);
        let (metadata, batches) = read_parquet(&parquet_path);
        check_metadata(&metadata, &run);
        let arrow_schema = batches[0].schema();
        let integer_features: Vec<&str> =
            schema.feature_columns().iter().filter(|c| c.integer).map(|c| c.name).collect();
        for field in arrow_schema.fields() {
            let expected = expected_type(field.name(), &integer_features);
            assert_eq!((field.data_type().clone(), field.is_nullable()), expected, "type of {}", field.name());
        }
        // Every CSV column is in the Parquet file under its name, in the same order; the float companions follow
        // the 21 bar columns.
        let companions = header[..21].iter().filter(|name| expected_type(name, &[]).0.is_decimal()).count();
        assert_eq!(companions, 11);
        assert_eq!(arrow_schema.fields().len(), header.len() + companions);
        let parquet_names: Vec<&String> = arrow_schema.fields().iter().map(|f| f.name()).collect();
        let without_companions: Vec<&String> = parquet_names.iter().copied().filter(|n| !n.ends_with("_f64")).collect();
        assert_eq!(without_companions, header.iter().collect::<Vec<_>>());
        for (index, name) in header.iter().enumerate() {
            compare_column(&batches, name, &csv_rows, index);
            if expected_type(name, &[]).0.is_decimal() {
                compare_column(&batches, &format!("{name}_f64"), &csv_rows, index);
            }
        }
        metadata.num_row_groups()
    }

    #[test]
    fn every_feature_and_the_incomplete_bar_match_the_csv() {
        let features = FeatureConfig { lookback_mode: LookbackMode::Count(200), ..FeatureConfig::default() };
        let rows = bars(60_000, 2, features, true);
        assert!(!rows.last().unwrap().1, "the last row is the incomplete bar");
        // More rows than one write batch, and more than ROW_GROUP_BYTES (each row holds over 60 columns of 8 bytes or
        // more): the same bars again (the writer does not look at the order).
        let many = repeated(&rows, (2 * BATCH_ROWS + 1).max(ROW_GROUP_BYTES / 100));
        let groups = round_trip(&many, OutputSchema { features, include_incomplete: true, identity_columns: false }, 2);
        // Every column on: a row group reaches ROW_GROUP_BYTES before ROW_GROUP_ROWS rows.
        assert!(groups >= 2, "{groups} row groups");
    }

    #[test]
    fn more_rows_than_a_row_group_match_the_csv() {
        let features = FeatureConfig { bar: false, intra: false, lookback: false, ..FeatureConfig::default() };
        let rows = bars(60_000, 1, features, true);
        let many = repeated(&rows, ROW_GROUP_ROWS + 1);
        let groups = round_trip(&many, OutputSchema { features, include_incomplete: true, identity_columns: false }, 1);
        assert!(groups >= 2, "{groups} row groups");
    }

    /// `rows` repeated until there are at least `count`.
    fn repeated(rows: &[(FeaturedBar, bool)], count: usize) -> Vec<(FeaturedBar, bool)> {
        rows.iter().copied().cycle().take(count.next_multiple_of(rows.len())).collect()
    }

    #[test]
    fn fewer_features_without_is_complete_match_the_csv() {
        let features = FeatureConfig {
            lookback: false,
            hurst: false,
            lookback_mode: LookbackMode::Bars(3),
            ..FeatureConfig::default()
        };
        let rows = bars(30_000, 25, features, false);
        assert!(rows.iter().all(|(_, complete)| *complete));
        assert_eq!(
            round_trip(&rows, OutputSchema { features, include_incomplete: false, identity_columns: false }, 25),
            1
        );
    }

    /// Entries of `dir`, names only.
    fn entries(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
    }

    /// Bars at 10 dbps, and a Parquet writer for them at `DIR/bars.parquet`.
    fn bars_and_writer() -> (Vec<(FeaturedBar, bool)>, tempfile::TempDir, PathBuf, BoxedWriter) {
        let features = FeatureConfig::default();
        let rows = bars(20_000, 10, features, false);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bars.parquet");
        let schema = OutputSchema { features, include_incomplete: false, identity_columns: false };
        let writer = parquet_output::create(&path, &schema, &run_metadata(10)).unwrap();
        (rows, dir, path, writer)
    }

    #[test]
    fn a_value_beyond_38_digits_fails_and_leaves_no_file() {
        let (rows, dir, _, mut writer) = bars_and_writer();
        for (bar, complete) in &rows {
            writer.bar(0, bar, *complete).unwrap();
        }
        let mut huge = rows[0].0;
        huge.bar.turnover = 10i128.pow(38);
        let error = writer.bar(0, &huge, true).unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::Output { .. }), "{error}");
        assert!(error.to_string().contains("turnover"), "{error}");
        drop(writer);
        assert_eq!(entries(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_failed_rename_leaves_no_file() {
        let (rows, dir, path, mut writer) = bars_and_writer();
        // The target becomes a non-empty directory while the file is written, so the final rename fails.
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("keep"), b"x").unwrap();
        for (bar, complete) in &rows {
            writer.bar(0, bar, *complete).unwrap();
        }
        let error: Error = writer.finish().unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::Output { .. }), "{error}");
        assert_eq!(entries(dir.path()), ["bars.parquet"]);
    }

    #[test]
    fn stdout_is_a_usage_error() {
        let schema =
            OutputSchema { features: FeatureConfig::default(), include_incomplete: false, identity_columns: false };
        let Err(error) = parquet_output::create(Path::new("-"), &schema, &run_metadata(10)) else {
            panic!("Parquet to stdout was accepted");
        };
        assert!(matches!(error.kind(), ErrorKind::Usage(_)), "{error}");
        assert!(error.is_bad_input());
    }
}
