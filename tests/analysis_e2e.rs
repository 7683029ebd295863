//! The conflict analysis on rulesets written in Carel: the mission's contradiction, its three
//! resolutions, categories, measures, exclusive groups and every finding code.

use carel::analysis::ConflictKind;
use carel::diagnostic::{Code, Diagnostic};
use carel::model::Patient;
use carel::source::Sources;

const VOCABULARY: &str = r#"
condition herniated_disc "Herniated or bulging lumbar disc"
condition facet_syndrome "Facet joint syndrome"
condition sciatica "Sciatica"
factor acute "Pain for days, not weeks"
factor subacute "Pain for weeks"
factor chronic "Pain for three months or more"
factor overweight "BMI above the healthy range"
exclusive stage "Stage of the episode": acute, subacute, chronic
measure age "Age" unit "years" range 0..120
measure pain "Pain score (NRS)" range 0..10
category extension "Lumbar extension exercises"
category aerobic "Aerobic exercise"
exercise prone_press_up "Prone press-up" in extension
exercise standing_extension "Standing back extension" in extension
exercise walking "Walking" in aerobic
exercise swimming "Swimming" in aerobic
exercise hamstring_stretch "Hamstring stretch"
exercise sit_up "Sit-up"
source guide "Exercise advice for lower back pain"
"#;

struct Checked {
    sources: Sources,
    compilation: carel::Compilation,
}

impl Checked {
    /// Diagnostics of the analysis (unused-declaration warnings left out).
    fn findings(&self) -> Vec<&Diagnostic> {
        self.compilation
            .diagnostics
            .iter()
            .filter(|d| d.code != Code::W001)
            .collect()
    }

    fn codes(&self) -> Vec<&'static str> {
        self.findings().iter().map(|d| d.code.as_str()).collect()
    }

    fn rule(&self, id: &str) -> usize {
        let model = self
            .compilation
            .model
            .as_ref()
            .expect("the ruleset resolves");
        model
            .rules
            .iter()
            .position(|r| r.id == id)
            .expect("rule exists")
    }

    fn fact(&self, name: &str) -> usize {
        let model = self
            .compilation
            .model
            .as_ref()
            .expect("the ruleset resolves");
        model
            .facts
            .iter()
            .position(|f| f.name == name)
            .expect("fact exists")
    }

    fn exercise(&self, name: &str) -> usize {
        let model = self
            .compilation
            .model
            .as_ref()
            .expect("the ruleset resolves");
        model
            .exercises
            .iter()
            .position(|f| f.name == name)
            .expect("exercise exists")
    }

    fn conflicts(&self) -> &[carel::analysis::Conflict] {
        &self
            .compilation
            .analysis
            .as_ref()
            .expect("analysed")
            .conflicts
    }

    /// The text a diagnostic's primary span covers.
    fn at(&self, d: &Diagnostic) -> &str {
        self.sources.slice(d.span).trim_end()
    }
}

fn check(rules: &str) -> Checked {
    let sources = Sources::single("back.carel", format!("{VOCABULARY}\n{rules}"));
    let compilation = carel::compile(&sources);
    assert!(
        compilation.model.is_some(),
        "the ruleset should resolve: {:#?}",
        compilation.diagnostics
    );
    Checked {
        sources,
        compilation,
    }
}

const DISC: &str = r#"
rule disc_extension:
  if herniated_disc then recommend extension
  because "A herniated disc may improve with extension exercises."
  cite guide
"#;

const FACET: &str = r#"
rule facet_no_extension:
  if facet_syndrome then avoid extension
  because "Extension loads the facet joints."
  cite guide
"#;

#[test]
fn the_missions_contradiction_with_its_witness() {
    let c = check(&format!("{DISC}{FACET}"));
    assert_eq!(c.codes(), ["E010"]);
    let d = c.findings()[0];
    assert_eq!(
        d.message,
        "contradiction: `disc_extension` recommends prone_press_up and standing_extension but \
         `facet_no_extension` says to avoid them"
    );
    // The primary label is on the later rule's action clause, the secondary on the other's.
    assert_eq!(c.at(d), "then avoid extension");
    assert_eq!(
        c.sources.slice(d.secondary[0].span).trim_end(),
        "then recommend extension"
    );
    assert_eq!(
        d.notes,
        ["both rules fire for a patient with herniated_disc and facet_syndrome"]
    );
    let help = d.help.as_deref().expect("help");
    assert!(help.contains("`overrides disc_extension`"), "{help}");
    assert!(
        help.contains("`unless facet_syndrome` to `disc_extension`"),
        "{help}"
    );
    assert!(help.contains("declare them `exclusive`"), "{help}");
    let conflicts = c.conflicts();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].kind, ConflictKind::Contradiction);
    assert_eq!(
        conflicts[0].rules,
        [c.rule("disc_extension"), c.rule("facet_no_extension")]
    );
    // Categories expanded, sorted by exercise name.
    assert_eq!(
        conflicts[0].exercises,
        [
            c.exercise("prone_press_up"),
            c.exercise("standing_extension")
        ]
    );
    assert_eq!(
        conflicts[0].witness,
        Patient {
            facts: vec![c.fact("herniated_disc"), c.fact("facet_syndrome")],
            measures: vec![]
        }
    );
    assert_eq!(conflicts[0].resolved_by, None);
}

#[test]
fn resolved_by_overrides() {
    let facet = FACET.replace(
        "  cite guide",
        "  overrides disc_extension\n  because \"Facet joints come first.\"\n  cite guide",
    );
    let facet = facet.replace("  because \"Extension loads the facet joints.\"\n", "");
    let c = check(&format!("{DISC}{facet}"));
    assert!(c.findings().is_empty(), "{:#?}", c.findings());
    let conflicts = c.conflicts();
    assert_eq!(conflicts.len(), 1, "the resolved conflict is kept");
    assert_eq!(conflicts[0].resolved_by, Some(c.rule("facet_no_extension")));
}

#[test]
fn resolved_by_unless() {
    let disc = DISC.replace(
        "if herniated_disc then",
        "if herniated_disc unless facet_syndrome then",
    );
    let c = check(&format!("{disc}{FACET}"));
    assert!(c.findings().is_empty(), "{:#?}", c.findings());
    assert!(c.conflicts().is_empty());
}

#[test]
fn resolved_by_exclusive() {
    let c = check(&format!(
        "exclusive back_problem \"One diagnosis at a time\": herniated_disc, facet_syndrome\n{DISC}{FACET}"
    ));
    assert!(c.findings().is_empty(), "{:#?}", c.findings());
    assert!(c.conflicts().is_empty());
}

#[test]
fn disjoint_ages_never_conflict_overlapping_ones_do() {
    let c = check(
        "if age < 65 then recommend walking cite guide\n\
         if age >= 65 then avoid walking cite guide\n\
         if pain in 0..3 then recommend swimming cite guide\n\
         if pain in 4..10 then avoid swimming cite guide\n",
    );
    assert!(c.findings().is_empty(), "{:#?}", c.findings());

    let c = check(
        "if age >= 60 then recommend walking cite guide\n\
         if age <= 70 and not (pain > 6) then avoid walking cite guide\n",
    );
    assert_eq!(c.codes(), ["E010"]);
    assert_eq!(
        c.findings()[0].notes,
        ["both rules fire for a patient with age 65, pain 3"]
    );
    assert_eq!(c.conflicts()[0].witness.measures, [(0, 65.0), (1, 3.0)]);
}

#[test]
fn exclusive_groups_of_three() {
    let c = check(
        "if acute then avoid sit_up cite guide\n\
         if subacute or chronic then recommend sit_up cite guide\n\
         if not chronic and not subacute then recommend sit_up cite guide\n",
    );
    // Only the third rule meets the first: an acute patient.
    assert_eq!(c.codes(), ["E010"]);
    assert_eq!(
        c.conflicts()[0].rules,
        [0, 2].map(|n| c.rule(&format!("back_{}", n + 1)))
    );
    assert_eq!(
        c.findings()[0].notes,
        ["both rules fire for a patient with acute"]
    );
}

#[test]
fn never_firing_rules() {
    let c = check(
        "rule impossible_stage: if acute and chronic then recommend walking cite guide\n\
         rule impossible_age: if age < 18 and age >= 65 then avoid walking cite guide\n",
    );
    assert_eq!(c.codes(), ["W002", "W002"]);
    assert_eq!(c.at(c.findings()[0]), "acute and chronic");
    assert_eq!(
        c.findings()[0].notes,
        ["it requires both `acute` and `chronic`, which are declared exclusive (`stage`)"]
    );
    assert!(
        c.conflicts().is_empty(),
        "never-firing rules take no further part"
    );
}

#[test]
fn redundant_rules() {
    let c = check(
        "rule no_stretch: if sciatica then avoid hamstring_stretch cite guide\n\
         rule no_stretch_overweight: if sciatica and overweight then avoid hamstring_stretch cite guide\n\
         rule aerobic_for_all: recommend aerobic cite guide\n\
         rule walk_for_all: recommend walking cite guide\n",
    );
    assert_eq!(c.codes(), ["W003", "W003"]);
    let [a, b] = [c.findings()[0], c.findings()[1]];
    assert_eq!(c.at(a), "no_stretch_overweight");
    assert_eq!(c.sources.slice(a.secondary[0].span), "no_stretch");
    assert_eq!(c.at(b), "walk_for_all");
    assert_eq!(c.sources.slice(b.secondary[0].span), "aerobic_for_all");
}

#[test]
fn dose_mismatch() {
    let c = check(
        "rule keep_moving: recommend walking 10..20 min every 3 h cite guide\n\
         rule beginners: if overweight then recommend walking 5 min 2..3 times per day cite guide\n\
         rule weekly: consider aerobic 2.5 h per week cite guide\n",
    );
    assert_eq!(c.codes(), ["W005", "W005", "W005"], "{:#?}", c.findings());
    let d = c.findings()[0];
    assert_eq!(
        d.message,
        "dose mismatch: `keep_moving` and `beginners` give doses of walking that cannot both be followed"
    );
    assert_eq!(c.at(d), "5 min 2..3 times per day");
    assert_eq!(
        d.notes,
        [
            "`keep_moving`: 10..20 min every 3 h (56 times a week); `beginners`: 5 min 2..3 times per day (14..21 times a week)",
            "neither the amounts nor the frequencies overlap",
            "both rules fire for a patient with overweight",
        ]
    );
    assert!(c.findings()[2].notes[0].contains("2.5 h per week (150 min, once a week)"));
}

#[test]
fn needless_overrides() {
    let c = check(
        "rule acute_rest: if acute then avoid walking cite guide\n\
         rule chronic_walk: if chronic then recommend walking overrides acute_rest cite guide\n\
         rule swim: recommend swimming overrides acute_rest cite guide\n",
    );
    assert_eq!(c.codes(), ["W006", "W006"], "{:#?}", c.findings());
    assert_eq!(c.at(c.findings()[0]), "acute_rest");
    assert_eq!(
        c.findings()[0].notes,
        ["no patient meets both conditions, so they never fire together"]
    );
    assert_eq!(c.findings()[1].notes, ["they advise no exercise in common"]);
}

#[test]
fn override_cycles() {
    let c = check(
        "rule a: recommend walking overrides b cite guide\n\
         rule b: recommend walking overrides c cite guide\n\
         rule c: recommend walking overrides a cite guide\n\
         rule d: avoid sit_up overrides d cite guide\n",
    );
    let e006: Vec<_> = c
        .findings()
        .into_iter()
        .filter(|d| d.code == Code::E006)
        .collect();
    assert_eq!(e006.len(), 2, "{e006:#?}");
    assert_eq!(e006[0].message, "`overrides` form a cycle: a → b → c → a");
    assert_eq!(c.at(e006[0]), "b");
    assert_eq!(e006[1].message, "rule `d` overrides itself: d → d");
}

#[test]
fn retired_rules_take_no_part() {
    let facet = FACET.replace("  cite guide", "  cite guide\n  status retired");
    let c = check(&format!("{DISC}{facet}"));
    assert!(c.findings().is_empty(), "{:#?}", c.findings());
}
