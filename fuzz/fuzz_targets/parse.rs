//! Syntax only: any bytes, decoded as a Carel source file, must parse or give diagnostics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = carel::source::decode(data.to_vec()) else {
        return;
    };
    let sources = carel::source::Sources::single("fuzz.carel", text);
    let mut diagnostics = Vec::new();
    let (files, failed) = carel::syntax::parse(&sources, &mut diagnostics);
    assert_eq!(files.len(), 1);
    // A file that failed to parse always says why.
    if failed {
        assert!(diagnostics.iter().any(|d| d.is_error()));
    }
    for d in &diagnostics {
        let text = &sources.get(0).text;
        assert!(d.span.start() <= d.span.end() && d.span.end() <= text.len(), "span out of bounds");
        assert!(text.is_char_boundary(d.span.start()) && text.is_char_boundary(d.span.end()));
    }
});
