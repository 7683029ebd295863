use super::*;
use crate::source::Sources;

/// Compile one file and build its bundle; panics on errors (a test fixture must be valid).
fn bundle_of(text: &str) -> Bundle {
    let mut sources = Sources::new();
    sources.add("t.carel", text);
    let c = crate::compile(&sources);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    crate::bundle::build(
        c.model.as_ref().unwrap(),
        c.analysis.as_ref().unwrap(),
        &sources,
    )
}

const HOSTILE: &str = r#"<script>alert("x")</script> & 'q'"#;

fn hostile_ruleset() -> String {
    let h = HOSTILE.replace('"', "\\\"");
    format!(
        r#"
ruleset hostile "T {h}" version "1.0.0"
condition c "C {h}"
factor f "F {h}"
factor g "G {h}"
exclusive x "X {h}": f, g
measure m "M {h}" unit "U {h}" range 0..10
category k "K {h}"
exercise e "E {h}" in k
exercise e2 "E2 {h}" in k
source s "S {h}" url "https://example.org/?a=1&b=<script>"
rule r1:
  if c and m >= 3
  then recommend k 10 min every 3 h
  because "B1 {h}"
  cite s
  evidence low
  strength conditional
  reviewed 2025-01-01
rule r2:
  if f
  then caution e
  because "B2 {h}"
  stop if "P {h}"
  cite s "L {h}"
  overrides r1
  reviewed 2026-03-01
rule r3:
  if g then avoid e2
  because "B3 {h}"
  overrides r1
"#
    )
}

#[test]
fn every_user_text_is_escaped() {
    let b = bundle_of(&hostile_ruleset());
    let html = render(&b, &Options::default()).unwrap();
    // The only script elements are the page's own: the bundle data, the evaluator, the partial
    // evaluator and the page's interactions.
    assert_eq!(html.matches("<script").count(), 4, "{html}");
    assert!(!html.contains("<script>alert"));
    // Every field appears, escaped, in the visible page.
    for field in [
        "T ", "C ", "F ", "G ", "X ", "M ", "U ", "E ", "E2 ", "S ", "B1 ", "B2 ", "B3 ", "P ",
        "L ",
    ] {
        let escaped =
            format!("{field}&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;q&#39;");
        let escaped_svg =
            format!("{field}&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;");
        assert!(
            html.contains(&escaped) || html.contains(&escaped_svg),
            "{field} is missing or not escaped"
        );
    }
    assert!(html.contains("https://example.org/?a=1&#38;b=&#60;script&#62;"));
    // The embedded bundle cannot close its script element.
    let data_start = html.find("id=\"carel-bundle\">").unwrap();
    let data_end = data_start + html[data_start..].find("</script>").unwrap();
    let data = &html[data_start + "id=\"carel-bundle\">".len()..data_end];
    assert!(!data.contains('<') && !data.contains('>') && !data.contains('&'));
    let parsed: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(parsed["rules"][0]["because"], format!("B1 {HOSTILE}"));
}

#[test]
fn the_same_bundle_gives_the_same_bytes() {
    let b = bundle_of(&hostile_ruleset());
    let one = render(&b, &Options::default()).unwrap();
    let two = render(&b.clone(), &Options::default()).unwrap();
    assert_eq!(one, two);
}

#[test]
fn reviews_are_judged_against_the_newest_review_or_the_given_date() {
    let b = bundle_of(&hostile_ruleset());
    let html = render(&b, &Options::default()).unwrap();
    assert!(
        html.contains(
            "Reviews are judged against 2026-03-01 (the most recent review in the ruleset)"
        )
    );
    assert!(html.contains(
        "<strong>Overdue for review: 1</strong> — <a href=\"#rule-r1\">r1</a> (reviewed 2025-01-01)"
    ));
    assert!(html.contains("<strong>Never reviewed: 1</strong> — <a href=\"#rule-r3\">r3</a>"));
    assert!(html.contains("<strong>Without evidence grading (evidence or strength missing): 2</strong> — <a href=\"#rule-r2\">r2</a>, <a href=\"#rule-r3\">r3</a>"));
    assert!(html.contains("<strong>Citing no source: 1</strong> — <a href=\"#rule-r3\">r3</a>"));
    let options = Options {
        today: Some("2027-03-02".to_string()),
        review_months: 12,
    };
    let html = render(&b, &options).unwrap();
    assert!(html.contains("<strong>Overdue for review: 2</strong> — <a href=\"#rule-r1\">r1</a> (reviewed 2025-01-01), <a href=\"#rule-r2\">r2</a> (reviewed 2026-03-01)"));
    let options = Options {
        today: Some("2026-13-01".to_string()),
        review_months: 12,
    };
    assert!(render(&b, &options).unwrap_err().contains("not a date"));
}

#[test]
fn dates() {
    assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
    assert_eq!(parse_date("2023-02-29"), None);
    assert_eq!(parse_date("2023-2-01"), None);
    assert_eq!(months_before((2026, 3, 1), 12), (2025, 3, 1));
    assert_eq!(months_before((2026, 1, 31), 1), (2025, 12, 31));
    assert_eq!(months_before((2026, 1, 31), 25), (2023, 12, 31));
}

#[test]
fn rules_conflicts_and_exercises_read_in_plain_english() {
    let b = bundle_of(&hostile_ruleset());
    let html = render(&b, &Options::default()).unwrap();
    // r1 is filed under its condition, its factor-free measure, and nowhere else.
    assert!(html.contains("<section class=\"group\" id=\"group-c\">"));
    assert!(html.contains("<section class=\"group\" id=\"group-m\">"));
    assert!(html.contains(
        "For patients with c &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;q&#39; and m &#60;script&#62;"
    ));
    // The conflict between r1 and r2: a tension, resolved by r2's named override.
    assert!(html.contains(
        "Resolved by a named override: r2 overrides r1. When both apply, the advice of r2 is given."
    ));
    // One anchor per rule, however many groups it appears in.
    assert_eq!(html.matches("id=\"rule-r1\"").count(), 1);
}

#[test]
fn version_2_features_are_shown() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/report/v2_features.carel"
    ))
    .unwrap();
    let html = render(&bundle_of(&text), &Options::default()).unwrap();
    for expected in [
        "<li>Stage: acute and chronic cannot both hold.</li>",
        "<li>Every patient with sits most of the day also has new to exercise.</li>",
        "<li>No patient with sciatica has non-specific low back pain.</li>",
        "For patients with serious back problem: <strong>refer to a clinician before All exercise (all 4 exercises) (do them only as they advise)</strong>.",
        "<strong>recommend Stretching (all 2 exercises), except Toe touch</strong>",
        "<span class=\"k\">Stop if:</span> pain spreads below the knee",
        "(When shouldn&#39;t you exercise?)",
        "recommend Walking, at least 30 minutes daily, in bouts of at least 10 minutes, building up to 40 to 60 minutes",
        "Prevails over every less protective advice on the same exercises.",
        "Resolved: sciatica_avoid prevails (its advice is more protective and it is marked “prevails”).",
    ] {
        assert!(html.contains(expected), "missing: {expected}");
    }
}

#[test]
fn every_fact_can_be_answered_yes_no_or_not_known() {
    let b = bundle_of(&hostile_ruleset());
    let html = render(&b, &Options::default()).unwrap();
    for f in ["c", "f", "g"] {
        let group = format!("name=\"fact-{f}\"");
        assert_eq!(html.matches(&group).count(), 3, "{f}: three answers");
        for (value, word) in [("yes", "yes"), ("no", "no"), ("unknown", "not known")] {
            let input = format!("id=\"fact-{f}-{value}\" value=\"{value}\"");
            let at = html.find(&input).unwrap_or_else(|| panic!("{f}: {value}"));
            // Each answer is a labelled radio button; "no" is the answer until one is given.
            let rest = &html[at..];
            let end = rest.find("</label>").unwrap();
            let checked = if value == "no" { " checked> " } else { "> " };
            assert_eq!(
                &rest[input.len()..end],
                format!("{checked}{word}"),
                "{f}: {value}"
            );
        }
    }
    assert!(html.contains(
        "<label class=\"unknown-toggle\"><input type=\"checkbox\" id=\"measure-m-unknown\" data-measure-unknown=\"m\"> not known</label>"
    ));
    assert!(
        html.contains(
            "id=\"patient-all-unknown\">Mark everything not answered as not known</button>"
        )
    );
}
