//! The fast reader against the pest grammar: whenever the fast reader accepts a text, pest
//! must read it without a diagnostic and build the very same tree (see src/syntax/fast.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = carel::source::decode(data.to_vec()) else {
        return;
    };
    if let Err(disagreement) = carel::syntax::compare_readers(&text) {
        panic!("{disagreement}");
    }
});
