//! The full pipeline (`carel check`): parse, resolve, analyse, then render the diagnostics for
//! people and as JSON. A byte 0x01 splits the input into several files of one ruleset.
#![no_main]

use carel::diagnostic::render;
use carel::source::Sources;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::new();
    for (i, part) in data.split(|&b| b == 1).take(4).enumerate() {
        let Ok(text) = carel::source::decode(part.to_vec()) else {
            return;
        };
        sources.add(format!("f{i}.carel"), text);
    }
    let compilation = carel::compile(&sources);
    for d in &compilation.diagnostics {
        let text = &sources.get(d.span.file()).text;
        assert!(d.span.start() <= d.span.end() && d.span.end() <= text.len(), "span out of bounds");
        assert!(text.is_char_boundary(d.span.start()) && text.is_char_boundary(d.span.end()));
        for s in &d.secondary {
            let text = &sources.get(s.span.file()).text;
            assert!(s.span.start() <= s.span.end() && s.span.end() <= text.len());
        }
        assert!(!d.message.is_empty());
    }
    // Without errors there is always a model and an analysis to build from.
    assert!(compilation.has_errors() || compilation.model.is_some());
    let _ = render::human_string(&sources, &compilation.diagnostics);
    let _ = render::json(&sources, &compilation.diagnostics);
    // Every conflict's witness makes both rules fire.
    if let (Some(model), Some(analysis)) = (&compilation.model, &compilation.analysis) {
        for c in &analysis.conflicts {
            let [a, b] = c.rules;
            assert!(model.rules[a].when.holds(&c.witness), "witness does not fire rule a");
            assert!(model.rules[b].when.holds(&c.witness), "witness does not fire rule b");
        }
    }
});
