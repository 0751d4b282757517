//! Trial finding 40: help placeholders say what kind of value a flag takes, alike across commands: `<PATH>`
//! for files and directories, `<N>` for counts, `<DURATION>` for times, never the flag's own name.

mod common;

use common::barsmith;

const KINDS: [&str; 20] = [
    "PATH", "N", "DURATION", "URL", "ADDR", "DBPS", "SYMBOL", "SYMBOLS", "MARKET", "BACKEND", "FEATURES", "FORMAT",
    "KERNEL", "LOOKBACK", "MODE", "ID", "FRACTION", "PRICE", "MICROS", "SPEC",
];
const PLOT: [&str; 4] = ["COLUMN", "TIME", "WxH", "YYYY-MM"];

#[test]
fn placeholders_name_the_kind_of_value() {
    for command in ["bars", "fetch", "check", "kernel", "plot", "live", "gen"] {
        let help = String::from_utf8(barsmith(&[command, "--help"]).stdout).unwrap();
        for placeholder in help.split('<').skip(1).filter_map(|rest| rest.split_once('>').map(|(p, _)| p)) {
            let name = placeholder.split(['[', ',']).next().unwrap();
            assert!(KINDS.contains(&name) || PLOT.contains(&name), "{command}: <{placeholder}>");
        }
    }
}
