//! Replays every input a fuzz target once failed on (fuzz/regressions/<target>/)
//! and a batch of generated inputs through the same entry points the fuzz
//! targets use, so the fixes stay fixed without a fuzzer installed.

use std::path::Path;

#[test]
fn saved_crash_inputs_no_longer_fail() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("regressions");
    let mut replayed = 0;
    for (name, target) in virt::fuzzing::TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(name)) else { continue };
        for entry in dir.flatten() {
            target(&std::fs::read(entry.path()).expect("readable input"));
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no regression inputs found under {}", root.display());
}

#[test]
fn generated_inputs_do_not_panic() {
    // a fixed xorshift stream: byte strings biased towards the characters
    // the parsers treat specially
    let alphabet = b"%:/?#@[]+=&<>'\"!-;\\\x00\x01\xc5\x9e\xe9azAZ09 ";
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..20_000 {
        let len = (next() % 40) as usize;
        let data: Vec<u8> = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
        for (_, target) in virt::fuzzing::TARGETS {
            target(&data);
        }
    }
}
