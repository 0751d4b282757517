//! Library messages name settings, not flags (issue 24 item 8): `Display` writes the settings' names, and
//! `Error::describe` lets a front end spell them (the CLI as `barsmith::settings::flag`, Python as keywords).

use std::path::Path;

use barsmith::output::OutputFormat;
use barsmith::pipeline::{BarPipeline, PipelineConfig};
use barsmith::run::Job;
use barsmith::settings::{RUN_SETTINGS, SETTINGS, flag};
use barsmith::{Error, Settings, Threshold};

fn cli(name: &'static str) -> String {
    flag(name).unwrap_or_else(|| panic!("{name} has no flag")).to_owned()
}

/// Every setting a message names has a flag, and `Display` names no flag.
fn assert_named(error: &Error, display: &str, spelled: &str) {
    let text = error.to_string();
    assert!(!text.contains("--") && !text.contains("-o "), "a flag in {text}");
    assert!(text.contains(display), "{display:?} in {text}");
    let spelled_out = error.describe(&cli);
    assert!(spelled_out.contains(spelled), "{spelled:?} in {spelled_out}");
}

#[test]
fn every_setting_has_a_flag() {
    for name in SETTINGS.iter().map(|info| info.name).chain(RUN_SETTINGS.iter().map(|(name, _)| *name)) {
        assert!(flag(name).is_some_and(|flag| flag.starts_with('-')), "{name}");
    }
    assert_eq!(flag("pe"), Some("--no-pe"));
    assert_eq!(flag("sort"), Some("--sort"));
    assert_eq!(flag("output"), Some("-o"));
    assert_eq!(flag("nonsense"), None);
}

#[test]
fn an_unknown_output_extension_names_the_output_and_format_settings() {
    let error = OutputFormat::for_path(Path::new("bars.xlsx"), None).unwrap_err();
    assert_named(&error, "output bars.xlsx: unknown output extension .xlsx", "-o bars.xlsx: unknown output extension");
    assert!(error.to_string().contains("(or pass format)"), "{error}");
    assert!(error.describe(&cli).contains("(or pass --format)"), "{}", error.describe(&cli));
}

#[test]
fn a_checkpoint_of_other_settings_names_each_and_the_checkpoint_setting() {
    let threshold = Threshold::from_dbps(10).unwrap();
    let written = PipelineConfig::new(vec![threshold]);
    let checkpoints = BarPipeline::new(&written).unwrap().checkpoints();
    let mut config = PipelineConfig::new(vec![threshold]);
    config.settings.features.pe_order = 4;
    config.settings.features.hurst = false;
    config.settings.same_timestamp_gate = false;
    let error = BarPipeline::resume(&config, &checkpoints).unwrap_err();
    assert_named(&error, "gate: checkpoint on, this run off", "--no-gate: checkpoint on, this run off");
    assert_named(&error, "hurst: checkpoint on, this run off", "--no-hurst: checkpoint on, this run off");
    assert_named(&error, "pe_order: checkpoint 3, this run 4", "--pe-order: checkpoint 3, this run 4");
    assert_named(&error, "or start without checkpoint_in", "or start without --checkpoint-in");
}

#[test]
fn files_without_a_symbol_for_outputs_per_symbol_name_the_symbol_and_output_settings() {
    let dir = tempfile::tempdir().unwrap();
    let unnamed = dir.path().join("trades.csv");
    std::fs::write(&unnamed, "1,100.0,1.0,1,1,1767225600000000,False,True\n").unwrap();
    let job = Job::new(Settings::new(vec![Threshold::from_dbps(10).unwrap()]));
    let error = job.plan(&[unnamed], false).unwrap_err();
    assert_named(
        &error,
        "pass symbol, or write one output with output FILE",
        "pass --symbol, or write one output with -o FILE",
    );
}
