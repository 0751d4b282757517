//! The parity cases as a test (a smaller generated stream keeps it quick in debug builds).

#[test]
fn bars_are_identical_to_rangebar_core_12_39() {
    let (outcomes, skipped) = barsmith_parity::all_cases(200_000);
    for line in &skipped {
        eprintln!("SKIP {line}");
    }
    assert!(outcomes.len() >= 4);
    for case in &outcomes {
        assert!(case.bars > 0, "{}: no bars, the case proves nothing", case.name);
        assert!(case.mismatches.is_empty(), "{}: {:?}", case.name, case.mismatches);
    }
}
