//! `just parity`: every parity case, printed as a table; exits 1 on any difference.

fn main() {
    let generated = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let (outcomes, skipped) = barsmith_parity::all_cases(generated);
    for line in &skipped {
        println!("SKIP {line}");
    }
    println!("{:<58} {:>9} {:>7} {:>9}  result", "case", "trades", "bars", "fields");
    let mut failed = 0;
    for case in &outcomes {
        let verdict = if case.mismatches.is_empty() { "identical" } else { "DIFFERENT" };
        println!("{:<58} {:>9} {:>7} {:>9}  {verdict}", case.name, case.trades, case.bars, case.fields_compared);
        for m in &case.mismatches {
            println!("    {m}");
        }
        failed += usize::from(!case.mismatches.is_empty());
    }
    println!("{} cases, {} identical, {} different", outcomes.len(), outcomes.len() - failed, failed);
    if failed > 0 {
        std::process::exit(1);
    }
}
