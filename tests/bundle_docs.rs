//! The worked example of `docs/bundle.md` stays true: its ruleset, evaluated for its patient,
//! prints exactly the text and JSON the page shows.

use carel::bundle;
use carel::eval::Evaluator;
use carel::source::Sources;

/// The body of the first fenced block of `lang` after `marker`.
fn block<'a>(doc: &'a str, marker: &str, lang: &str) -> &'a str {
    let start = doc
        .find(marker)
        .unwrap_or_else(|| panic!("docs/bundle.md has no {marker:?}"));
    let fence = format!("```{lang}\n");
    let open = start + doc[start..].find(&fence).expect("a fenced block") + fence.len();
    let close = open + doc[open..].find("```").expect("a closing fence");
    &doc[open..close]
}

#[test]
fn the_worked_example_is_what_carel_prints() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/bundle.md")).unwrap();
    let source = block(&doc, "## 5. Worked example", "carel");
    let sources = Sources::single("back.carel", source);
    let c = carel::compile(&sources);
    assert!(
        !c.has_errors(),
        "{}",
        carel::diagnostic::render::human_string(&sources, &c.diagnostics)
    );
    let built = bundle::build(&c.model.unwrap(), &c.analysis.unwrap(), &sources);
    let evaluator = Evaluator::new(&built).unwrap();
    let outcome = evaluator.evaluate(
        &evaluator
            .parse_given("recent_surgery, supervised, age=70")
            .unwrap(),
    );
    // What `carel eval` prints for people.
    let partial = carel::partial::PartialEvaluator::new(&built).unwrap();
    let knowledge = partial
        .parse_knowledge("recent_surgery, supervised, age=70", "", None)
        .unwrap();
    let text = partial.evaluate(&knowledge).unwrap().to_human(&built);
    assert_eq!(text, block(&doc, "prints:", "text"));
    let shown: serde_json::Value =
        serde_json::from_str(block(&doc, "`--format json` gives", "json")).unwrap();
    let actual: serde_json::Value = serde_json::from_str(&outcome.to_json()).unwrap();
    assert_eq!(actual, shown);
    // The rules shown "cut down to what evaluation reads" are the bundle's.
    for line in block(&doc, "cut down to what evaluation reads", "json").lines() {
        let shown: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = shown["id"].as_str().unwrap();
        let rule = serde_json::to_value(built.rule(id).unwrap()).unwrap();
        for key in ["when", "action", "exercises", "overrides"] {
            assert_eq!(rule[key], shown[key], "{id}.{key}");
        }
    }
}
