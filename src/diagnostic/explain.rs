//! Long explanations of each diagnostic code (Markdown), shown by `carel explain`.
//!
//! Every explanation follows one layout: what the diagnostic means, why it matters for
//! patients, one or more examples that trigger it, then `### How to fix it` followed by the
//! corrected examples. `tests/docs.rs` relies on that layout: every ```` ```carel ```` block
//! before the fix heading triggers the code, and every block after it is free of it.
//!
//! The `match` below has no catch-all arm on purpose: a new [`Code`] cannot compile without
//! its explanation.

use super::Code;

pub fn text(code: Code) -> &'static str {
    match code {
        Code::E001 => E001,
        Code::E002 => E002,
        Code::E003 => E003,
        Code::E004 => E004,
        Code::E005 => E005,
        Code::E006 => E006,
        Code::E007 => E007,
        Code::E008 => E008,
        Code::E010 => E010,
        Code::E011 => E011,
        Code::W001 => W001,
        Code::W002 => W002,
        Code::W003 => W003,
        Code::W004 => W004,
        Code::W005 => W005,
        Code::W006 => W006,
        Code::W007 => W007,
        Code::W008 => W008,
    }
}

const E001: &str = r##"
Carel could not read this part of the file. The message says what it expected at that
point, in words ("expected `then` and an action", "expected a name"), and points at the
first character it could not make sense of. Nothing after a syntax error in that item is
checked, so fix syntax errors first.

Common causes:

- **A name with capitals or dashes.** Names are lower-case letters, digits and `_`,
  starting with a letter (`herniated_disc`, `stage2`). `Sciatica`, `herniated-disc` and
  `herniatedDisc` are errors; the `help:` line suggests the snake_case spelling.
- **A reserved word used as a name.** The words that start items and clauses (`ruleset`,
  `condition`, `factor`, `exclusive`, `measure`, `category`, `exercise`, `source`, `rule`,
  `test`, `if`, `unless`, `then`, `because`, `cite`, `evidence`, `strength`, `overrides`,
  `reviewed`, `status`, `given`, `expect`), the four actions (`recommend`, `consider`,
  `caution`, `avoid`) and `and`, `or`, `not`, `in` cannot be names. Write
  `exercise stretch_test`, not `exercise test`.
- **A short rule without `then`**: `if sciatica avoid hamstring_stretch`.
- **A missing `:`** after `rule NAME` or `test "name"`.
- **A string that is never closed**: `because "Extension may help.`
- **A dose in an unknown unit**: `10 minutes` (write `10 min`), `3 hours` (write `3 h`).
- **A condition nested more than 32 parentheses deep.**

### Why it matters

A rule Carel cannot read is a rule no patient will ever receive. Carel refuses to build a
bundle until the file reads cleanly, so a half-typed rule cannot silently disappear.

### Example

```carel
condition herniated-disc "Herniated or bulging lumbar disc"
```

### How to fix it

Do what the message asks; for names, use the suggested snake_case spelling everywhere the
name appears:

```carel
condition herniated_disc "Herniated or bulging lumbar disc"
```
"##;

const E002: &str = r##"
A rule, test or declaration uses a name that is not declared anywhere in the ruleset.
When a declared name is spelt similarly, the `help:` line suggests it ("did you mean
`sciatica`?").

Names resolve across every file of a ruleset folder, and declarations may come in any
order, so the name may be declared in another file or further down, but it must be
declared somewhere.

### Why it matters

A misspelt condition would never match any patient: the rule would never fire, and a
patient with sciatica would silently miss the advice to avoid hamstring stretches.
Carel therefore refuses to guess.

### Example

```carel
condition sciatica "Sciatica"
exercise hamstring_stretch "Hamstring stretch"

if sciatca then avoid hamstring_stretch
```

### How to fix it

Correct the spelling, or, if the name is new, declare it (as a `condition`, `factor`,
`measure`, `exercise`, `category`, `source` or `rule`, whichever it is):

```carel
condition sciatica "Sciatica"
exercise hamstring_stretch "Hamstring stretch"

if sciatica then avoid hamstring_stretch
```
"##;

const E003: &str = r##"
A name is declared, but as something that cannot be used here. Each place in a rule takes
one kind of name:

| where | what it takes |
| --- | --- |
| a rule condition (`if`, `unless`), a test's `given` | a `condition` or `factor`; a `measure` only in a comparison (`age >= 65`, `pain in 4..7`, `age = 45`) |
| the targets of an action, a test's `expect` | an `exercise` or `category` |
| `cite` | a `source` |
| `overrides` | a rule |
| `in` after a category or exercise | a `category` |
| the members of an `exclusive` group | a `condition` or `factor` |

### Why it matters

Carel keeps facts about the patient (conditions, factors, measures) apart from the advice
(exercises, categories). Mixing them up means the rule does not say what its author meant:
"if walking" is not a fact about the patient, and "avoid sciatica" is not advice anyone
can follow.

### Example

```carel
condition sciatica "Sciatica"
exercise walking "Walking"
exercise hamstring_stretch "Hamstring stretch"

if walking then avoid hamstring_stretch
```

A measure used on its own is the same mistake:

```carel
measure pain "Pain score (NRS)" range 0..10
exercise sit_up "Sit-up"

if pain then avoid sit_up
```

### How to fix it

Use a name of the right kind. If the rule is about patients who already walk every day,
declare that as a fact about the patient:

```carel
factor walks_daily "Already walks every day"
exercise hamstring_stretch "Hamstring stretch"

if walks_daily then avoid hamstring_stretch
```

Compare a measure with a number:

```carel
measure pain "Pain score (NRS)" range 0..10
exercise sit_up "Sit-up"

if pain >= 7 then avoid sit_up
```
"##;

const E004: &str = r##"
Something is given twice: either a name is declared twice in the ruleset, or a rule or
test repeats a clause that it may have only once.

A ruleset has one namespace across all its files. Exercises and categories share it, so a
category cannot have the name of an exercise, and a condition cannot have the name of a
factor. Each clause of a rule (`if`, `unless`, the action, `because`, `cite`, `evidence`,
`strength`, `overrides`, `reviewed`, `status`) may appear at most once; `cite` and
`overrides` take a list instead (`cite seed000, seed003`). The same goes for lists: an
exercise named twice among a rule's targets, a fact listed twice in an `exclusive` group.
A ruleset has at most one `ruleset` item, two tests may not share a name, and a named rule
may not take the id of an unnamed one (`disc_2` is the id of the second unnamed rule in
`disc.carel`). The secondary label points at the first definition.

### Why it matters

With two definitions, a name would mean two different things, and a reader (or an app)
could not tell which label, category or rationale applies. With two `because` or two
`evidence` clauses, the rule would make two different claims about itself.

### Example

```carel
exercise walking "Walking"
exercise walking "Brisk walking"
```

```carel
exercise walking "Walking"

rule keep_moving:
  recommend walking 10..20 min every 3 h
  because "Short walks keep the back moving."
  because "Walking helps healing."
```

### How to fix it

Keep one declaration, or give the second thing its own name; merge repeated clauses into
one:

```carel
exercise walking "Walking"
exercise brisk_walking "Brisk walking"
```

```carel
exercise walking "Walking"

rule keep_moving:
  recommend walking 10..20 min every 3 h
  because "Short walks keep the back moving and help healing."
```
"##;

const E005: &str = r##"
The categories form a loop: following the `in` links from a category leads back to the
same category (for example `core` is in `strengthening`, and `strengthening` is in `core`,
or a category is declared in itself). The message lists the categories on the loop.

Categories form a hierarchy from broad to narrow: an exercise belongs to its categories
and to all of their ancestors, and advice for a category reaches every exercise in it.

### Why it matters

In a loop, no category is broader than the other, so Carel cannot tell which exercises
advice for either category should reach. A rule that says "avoid strengthening" must
reach a definite set of exercises.

### Example

```carel
category strengthening "Strengthening" in core
category core "Core stability" in strengthening
exercise leg_lift "Leg lift" in core
```

### How to fix it

Decide which category is the broader one and remove the `in` that points from the broader
to the narrower one:

```carel
category strengthening "Strengthening"
category core "Core stability" in strengthening
exercise leg_lift "Leg lift" in core
```
"##;

const E006: &str = r##"
The `overrides` clauses form a loop: a rule overrides itself, or rule A overrides B and B
(directly or through other rules) overrides A. The message lists the rules on the loop.

`overrides` says whose advice prevails when two rules advise the same exercise for the
same patient. It works along chains: if A overrides B and B overrides C, A's advice also
drops C's.

### Why it matters

In a loop every rule drops every other rule's advice, so a patient for whom they all fire
would get none of their advice for that exercise, including an `avoid` that protects
them. There is no sensible answer, so Carel refuses it.

### Example

```carel
condition herniated_disc "Herniated or bulging lumbar disc"
condition facet_syndrome "Facet joint syndrome"
category extension "Lumbar extension exercises"
exercise prone_press_up "Prone press-up" in extension

rule disc_extension:
  if herniated_disc then recommend extension
  overrides facet_no_extension

rule facet_no_extension:
  if facet_syndrome then avoid extension
  overrides disc_extension
```

### How to fix it

Decide which advice is right for a patient for whom both rules fire, keep the `overrides`
on that rule only, and say why in its `because`:

```carel
condition herniated_disc "Herniated or bulging lumbar disc"
condition facet_syndrome "Facet joint syndrome"
category extension "Lumbar extension exercises"
exercise prone_press_up "Prone press-up" in extension

rule disc_extension:
  if herniated_disc then recommend extension

rule facet_no_extension:
  if facet_syndrome then avoid extension
  overrides disc_extension
  because "Extension loads the facet joints; with facet syndrome it does more harm than good."
```
"##;

const E007: &str = r##"
A value is not valid where it is written. The cases are:

- **A number outside a measure's declared range** in a comparison, an `in` test or a
  test's `given`: `age >= 150` when `age` has `range 0..120`.
- **An empty range**, whose low end is above its high end: `range 10..0`,
  `pain in 7..4`, a dose of `20..10 min`. Every `LO..HI` in Carel includes both ends, so
  `4..4` is fine.
- **A dose that cannot be followed**: an amount or frequency of zero (`0 min`,
  `every 0 h`, `0 times per day`) or a reversed range.
- **A date that does not exist**: `reviewed 2026-02-30`, `reviewed 2026-13-01`. Dates are
  written `YYYY-MM-DD`.
- **A word that is not one of the choices**: `evidence moderat` (the levels are `high`,
  `moderate`, `low`, `very_low`, `expert_opinion`), `strength weak`, `status archived`.
- **A test patient written wrongly**: a measure in `given` without its value (`given age`
  instead of `given age = 45`), or a condition or factor with one (`given sciatica = 1`).
- **A number too large to be a clinical value** (beyond a million billion).
- **A rule left advising nothing**: `except` removes every exercise its targets name
  (`recommend strengthening except deadlift, weights` when those are all the strengthening
  exercises).
- **A terminology code not written `SYSTEM|CODE`** (`code "23056005"`), or for a measure, not
  `age` either.

A comparison that stays inside the range but can never hold (`age > 120`) is not this
error; it makes the rule unable to fire (W002).

### Why it matters

A value outside what a measure can take is almost always a typo (`150` for `50`) or a
wrong unit, and the rule would silently never fire. A reversed range matches nobody. A
dose of zero is not advice a patient can follow.

### Example

```carel
measure age "Age" unit "years" range 0..120
exercise sit_up "Sit-up"

if age >= 150 then avoid sit_up
```

```carel
measure pain "Pain score (NRS)" range 0..10
exercise walking "Walking"

if pain in 7..4 then recommend walking 20..10 min
```

```carel
category strengthening "Strengthening"
exercise deadlift "Deadlift" in strengthening
exercise weights "Lifting weights" in strengthening

rule specific_exercise: recommend strengthening except deadlift, weights
```

### How to fix it

Write the value you meant, inside the declared range and low end first:

```carel
measure age "Age" unit "years" range 0..120
exercise sit_up "Sit-up"

if age >= 50 then avoid sit_up
```

```carel
measure pain "Pain score (NRS)" range 0..10
exercise walking "Walking"

if pain in 4..7 then recommend walking 10..20 min
```

Name fewer exercises after `except`, or widen the targets:

```carel
category strengthening "Strengthening"
exercise deadlift "Deadlift" in strengthening
exercise weights "Lifting weights" in strengthening
exercise bridge "Bridge" in strengthening

rule specific_exercise: recommend strengthening except deadlift, weights
```
"##;

const E008: &str = r##"
A test's `given` describes a patient who cannot exist: it makes two members of one
`exclusive` group true at once, or, counting the facts the given ones imply (`implies`), two
facts of which one `excludes` the other or two members of one group. The message names the
two facts, the fact that implies each, and why they cannot hold together.

`exclusive stage: acute, chronic` says that no patient is both acute and chronic. Carel's
analysis relies on that, and it never considers such a patient.

### Why it matters

A test is evidence that the rules give the right advice to a real patient. Whether it
passes or fails for an impossible patient says nothing about any real one, and a passing
result would be false reassurance.

### Example

```carel
factor acute "Pain for days, not weeks"
factor chronic "Pain for three months or more"
exclusive stage "Stage of the episode": acute, chronic
exercise walking "Walking"

rule keep_moving: recommend walking

test "everyone keeps moving":
  given acute, chronic
  expect recommend walking
```

### How to fix it

Write one test per real patient. If the group itself is wrong (the facts can hold
together), remove the `exclusive` declaration or take the fact out of it:

```carel
factor acute "Pain for days, not weeks"
factor chronic "Pain for three months or more"
exclusive stage "Stage of the episode": acute, chronic
exercise walking "Walking"

rule keep_moving: recommend walking

test "acute patients keep moving":
  given acute
  expect recommend walking

test "chronic patients keep moving":
  given chronic
  expect recommend walking
```
"##;

const E010: &str = r##"
A contradiction: one rule says **recommend** an exercise and another says **avoid** it,
and there is a patient for whom both rules fire. Neither rule overrides the other, so
Carel cannot know which advice the authors intend for that patient.

The diagnostic points at one rule, labels the other, lists every exercise on which they
clash (after expanding categories), and shows a **witness**: the simplest patient for
whom both rules fire. The witness has as few true facts as possible; any measure it needs
has a value inside the measure's declared range, a whole number where one fits; measures
it does not mention are unknown. The witness is proof that the clash is real, not a
theoretical one: you can put that patient into `carel eval` or a `test` and see both rules
fire. Each pair of rules is reported once.

### Why it matters

Left alone, the most protective advice wins (avoid beats recommend), so the patient would
be told to avoid the exercise. That may be right, or it may deprive the patient of the
treatment the other rule's authors meant them to have. It is a clinical decision, and
Carel makes someone take it explicitly: `carel build` refuses to write a bundle until
every contradiction is resolved, and the resolution is recorded in the bundle.

### Example

```carel
condition herniated_disc "Herniated or bulging lumbar disc"
condition facet_syndrome "Facet joint syndrome"
category extension "Lumbar extension exercises"
exercise prone_press_up "Prone press-up" in extension

rule disc_extension:
  if herniated_disc then recommend extension
  because "A herniated disc may improve with extension exercises."

rule facet_no_extension:
  if facet_syndrome then avoid extension
  because "Extension loads the facet joints."
```

The witness is a patient with `herniated_disc` and `facet_syndrome`: both rules fire, and
they disagree about `prone_press_up`.

### How to fix it

Ask what a patient like the witness should be told, then choose one of three resolutions.

**1. `overrides`, with a `because`.** Both rules stay as they are, and one prevails where
both fire. Put `overrides` on the rule whose advice should win, and say why in its
`because`; the bundle records the conflict as resolved by that rule. The override only
matters for patients for whom both rules fire; everyone else is unaffected.

```carel
condition herniated_disc "Herniated or bulging lumbar disc"
condition facet_syndrome "Facet joint syndrome"
category extension "Lumbar extension exercises"
exercise prone_press_up "Prone press-up" in extension

rule disc_extension:
  if herniated_disc then recommend extension
  because "A herniated disc may improve with extension exercises."

rule facet_no_extension:
  if facet_syndrome then avoid extension
  overrides disc_extension
  because "Extension loads the facet joints; with facet syndrome the risk outweighs the benefit, even with a disc problem."
```

**2. A sharper condition with `unless`.** If the recommending rule was never meant for
these patients, say so in its condition. Now no patient fires both rules:

```carel
condition herniated_disc "Herniated or bulging lumbar disc"
condition facet_syndrome "Facet joint syndrome"
category extension "Lumbar extension exercises"
exercise prone_press_up "Prone press-up" in extension

rule disc_extension:
  if herniated_disc unless facet_syndrome then recommend extension
  because "A herniated disc may improve with extension exercises, unless the facet joints are irritated."

rule facet_no_extension:
  if facet_syndrome then avoid extension
  because "Extension loads the facet joints."
```

**3. Declare the facts `exclusive`**, when no real patient can have both. This is only
right when it is clinically true for every patient: declaring facts exclusive to silence
Carel hides real patients from the analysis. Herniated disc and facet syndrome can occur
together, so it would be wrong above; it is right for the stages of an episode:

```carel
factor acute "Pain for days, not weeks"
factor chronic "Pain for three months or more"
exclusive stage "Stage of the episode": acute, chronic
exercise sit_up "Sit-up"

rule acute_no_sit_ups:
  if acute then avoid sit_up

rule chronic_core_work:
  if chronic then recommend sit_up
```

Do not resolve a contradiction by deleting one side: if the sources disagree, the ruleset
should record both views and the decision between them.
"##;

const E011: &str = r##"
A rule's condition is too complex for Carel to analyse exactly within its work budget.
Carel decides exactly whether two rules can fire for the same patient; for a condition
with very many alternatives (long chains of `or` over `and`, many negated groups, many
thresholds on the same measure) the number of cases to consider can grow faster than any
reasonable amount of work. When it does, Carel stops and reports this error rather than
guess. Rulesets written by hand do not normally reach it.

### Why it matters

Without an exact answer, Carel can neither prove that the rule is free of contradictions
with other rules nor show a witness for one. Passing it silently could let a
contradiction reach patients, so Carel treats it as an error.

### Example

A condition of the following shape, continued over many more alternatives, each a
different combination of facts and thresholds:

```carel
condition sciatica "Sciatica"
condition herniated_disc "Herniated or bulging lumbar disc"
condition facet_syndrome "Facet joint syndrome"
factor overweight "BMI above the healthy range"
factor sedentary "Sits most of the day"
measure age "Age" unit "years" range 0..120
measure pain "Pain score (NRS)" range 0..10
exercise sit_up "Sit-up"

rule complex_sit_up:
  if (sciatica and not overweight and age > 60)
     or (herniated_disc and not (sedentary or pain in 2..5))
     or (facet_syndrome and not sciatica and age in 30..45 and pain != 6)
     or (overweight and sedentary and not (herniated_disc and pain > 7))
  then avoid sit_up
```

### How to fix it

Make each rule say one thing:

- **Split an `or` into separate rules** with the same action and targets. A patient for
  whom any part holds gets exactly the same advice as before, and each rule can carry its
  own `because` and `cite`. If other rules override the original rule, make them
  override each of the new ones.
- **Name a clinical idea once.** If a long combination describes one clinical state
  (a "red flag", a "high-risk patient"), consider declaring it as a `factor` that the
  clinician or app records, instead of spelling it out in every rule.

```carel
condition sciatica "Sciatica"
condition herniated_disc "Herniated or bulging lumbar disc"
factor overweight "BMI above the healthy range"
factor sedentary "Sits most of the day"
measure age "Age" unit "years" range 0..120
measure pain "Pain score (NRS)" range 0..10
exercise sit_up "Sit-up"

rule older_sciatica_no_sit_up:
  if sciatica and not overweight and age > 60 then avoid sit_up

rule disc_no_sit_up:
  if herniated_disc and not (sedentary or pain in 2..5) then avoid sit_up
```
"##;

const W001: &str = r##"
Something is declared but nothing in the ruleset uses it:

- a condition, factor or measure that no rule, test or `exclusive` group mentions;
- an exercise that no rule advises, directly or through one of its categories;
- a category that no rule or test names, that holds no exercise and no other category;
- a source that no rule cites.

### Why it matters

An unused declaration is often the sign of advice that was meant to be written and never
was (a condition declared for a rule that is missing), or of a name that was misspelt in
the rule that was meant to use it. It also clutters the vocabulary apps show to people.

### Example

```carel
condition sciatica "Sciatica"
factor sedentary "Sits most of the day"
exercise hamstring_stretch "Hamstring stretch"

if sciatica then avoid hamstring_stretch
```

`sedentary` is never used.

### How to fix it

Write the rule that needs it, or remove the declaration:

```carel
condition sciatica "Sciatica"
factor sedentary "Sits most of the day"
exercise hamstring_stretch "Hamstring stretch"
exercise walking "Walking"

if sciatica then avoid hamstring_stretch
if sedentary then recommend walking 10..20 min every 3 h
```
"##;

const W002: &str = r##"
The rule's condition can never hold for any patient, so the rule never fires. Typical
causes:

- two members of an `exclusive` group required together (`acute and chronic`);
- measure comparisons that exclude each other (`age < 18 and age >= 65`), or that lie
  outside the measure's range at the edge (`age > 120` when the range is `0..120`);
- an `unless` that covers the whole `if` (`if sciatica unless sciatica`);
- `and` written where `or` was meant.

The analysis takes the `exclusive` groups and measure ranges into account, exactly as
evaluation does.

### Why it matters

The advice in the rule reaches nobody, yet the rule looks like part of the ruleset to
anyone reading it. A rule meant to protect patients that never fires is worse than no
rule, because people believe it is there.

### Example

```carel
factor acute "Pain for days, not weeks"
factor chronic "Pain for three months or more"
exclusive stage "Stage of the episode": acute, chronic
exercise walking "Walking"

if acute and chronic then recommend walking
```

### How to fix it

Write the condition you meant; here, either stage:

```carel
factor acute "Pain for days, not weeks"
factor chronic "Pain for three months or more"
exclusive stage "Stage of the episode": acute, chronic
exercise walking "Walking"

if acute or chronic then recommend walking
```

If the rule is no longer wanted, delete it or mark it `status retired`.
"##;

const W003: &str = r##"
The rule is redundant: another rule gives the same action for every exercise this rule
advises, and fires for every patient this rule fires for (this rule's condition implies the
other's). Removing this rule would change no patient's advice.

### Why it matters

Duplicated advice drifts apart: one copy gets updated after a review and the other does
not, and readers cannot tell which one is meant. It may also hide a mistake: the narrower
rule was perhaps meant to say something different (another exercise, another action).

### Example

```carel
condition sciatica "Sciatica"
factor chronic "Pain for three months or more"
exercise hamstring_stretch "Hamstring stretch"
exercise toe_touch "Standing toe touch"

rule sciatica_no_hamstring:
  if sciatica then avoid hamstring_stretch, toe_touch

rule chronic_sciatica_no_hamstring:
  if sciatica and chronic then avoid hamstring_stretch
```

### How to fix it

Delete the narrower rule, moving any citation or rationale worth keeping into the broader
one, or change it to say what was really meant:

```carel
condition sciatica "Sciatica"
factor chronic "Pain for three months or more"
exercise hamstring_stretch "Hamstring stretch"
exercise toe_touch "Standing toe touch"
exercise walking "Walking"

rule sciatica_no_hamstring:
  if sciatica then avoid hamstring_stretch, toe_touch

rule chronic_sciatica_walk:
  if sciatica and chronic then recommend walking
```
"##;

const W004: &str = r##"
A tension: for some patient, one rule **recommends** an exercise and another says to do
it only with **caution**, or one rule says **consider** it and another says **avoid** it.
As with a contradiction, the diagnostic lists every exercise involved and shows a witness:
the simplest patient for whom both rules fire.

It is a warning rather than an error because the advice can be combined: the most
protective advice wins (caution over recommend, avoid over consider), and the patient is
told something safe. But the patient then receives advice that one of the rules did not
intend, and nobody has written down that this was considered.

### Why it matters

A patient told "recommended" by one source and "only with care" by another deserves a
deliberate answer. Usually one rule should be sharpened, or the precedence written down
with a reason.

### Example

```carel
condition herniated_disc "Herniated or bulging lumbar disc"
factor acute "Pain for days, not weeks"
exercise prone_press_up "Prone press-up"

rule disc_press_up:
  if herniated_disc then recommend prone_press_up

rule acute_press_up_with_care:
  if acute then caution prone_press_up
```

The witness is a patient with `herniated_disc` and `acute`.

### How to fix it

The same three resolutions as for a contradiction (see E010) apply. Write down which advice
prevails, with `overrides` and a `because`:

```carel
condition herniated_disc "Herniated or bulging lumbar disc"
factor acute "Pain for days, not weeks"
exercise prone_press_up "Prone press-up"

rule disc_press_up:
  if herniated_disc then recommend prone_press_up

rule acute_press_up_with_care:
  if acute then caution prone_press_up
  overrides disc_press_up
  because "In the first days, press-ups should be done gently and stopped if pain spreads."
```

or sharpen the condition so that the rules no longer meet:

```carel
condition herniated_disc "Herniated or bulging lumbar disc"
factor acute "Pain for days, not weeks"
exercise prone_press_up "Prone press-up"

rule disc_press_up:
  if herniated_disc unless acute then recommend prone_press_up

rule acute_press_up_with_care:
  if acute then caution prone_press_up
```
"##;

const W005: &str = r##"
A dose mismatch: two rules both advise an exercise positively (`recommend` or `consider`),
both fire for some patient, neither overrides the other, and their doses cannot both be
followed: the amounts do not overlap, or the frequencies do not overlap. The diagnostic
shows a witness patient for whom both rules fire, as for a contradiction.

### How doses are compared

Every number in a dose may be a range (`10..20 min`); a single number is a range of one
value. Two ranges overlap when they share at least one value, ends included, so
`10..20 min` and `20..30 min` overlap.

- **Amounts** are compared after converting hours to minutes (`1 h` = `60 min`,
  `1..2 h` = `60..120 min`). Amounts of different kinds are not compared at all: minutes
  against repetitions, repetitions against sets, or sets against minutes never produce
  this warning.
- **Frequencies** are compared as times per week. `N times per week` is N; `N times per
  day` is 7 × N; `every N h` is 168 / N times a week (`every 3 h` = 56, `every 2..4 h` =
  42..84); `per day` is once a day (7 a week) and `per week` once a week, with the amount
  taken as written. A dose without a frequency has no frequency to compare; only its
  amount is compared.

### Why it matters

A patient told to walk for 10 to 20 minutes every three hours and, by another rule, for 5
minutes two or three times a day cannot follow both, and will pick one at random. The
ruleset should say which dose applies to whom.

### Example

```carel
condition non_specific_pain "Non-specific low back pain"
factor new_to_exercise "New to exercise"
exercise walking "Walking"

rule walk_often:
  if non_specific_pain then recommend walking 10..20 min every 3 h

rule beginners_walk:
  if new_to_exercise then recommend walking 5 min 2..3 times per day
```

Amounts 10–20 min and 5 min do not overlap; 56 walks a week and 14–21 walks a week do not
either. The witness is a patient with `non_specific_pain` and `new_to_exercise`.

### How to fix it

Say which dose applies where both rules fire, with `overrides` and a `because`:

```carel
condition non_specific_pain "Non-specific low back pain"
factor new_to_exercise "New to exercise"
exercise walking "Walking"

rule walk_often:
  if non_specific_pain then recommend walking 10..20 min every 3 h

rule beginners_walk:
  if new_to_exercise then recommend walking 5 min 2..3 times per day
  overrides walk_often
  because "People new to exercise start with short walks and build up."
```

or keep the rules apart with `unless`:

```carel
condition non_specific_pain "Non-specific low back pain"
factor new_to_exercise "New to exercise"
exercise walking "Walking"

rule walk_often:
  if non_specific_pain unless new_to_exercise
  then recommend walking 10..20 min every 3 h

rule beginners_walk:
  if new_to_exercise then recommend walking 5 min 2..3 times per day
```

If the doses are meant to be the same, write them the same way.
"##;

const W006: &str = r##"
A rule `overrides` another, but the override can never take effect: the two rules advise no
exercise in common, or there is no patient for whom both fire. Typical causes: the rules
advise different exercises, or their conditions can never hold together.

An override only ever drops the other rule's advice for exercises that both rules advise,
for patients for whom both fire, so here it has no effect. (An override between rules whose
actions do not clash as §5 defines it, such as `caution` over `avoid`, is not needless: it
changes the final advice for the patients both rules fit.)

An override involving a rule that can never fire (W002) is needless too, and reported. An
override that a resolving chain passes through is never needless, even when its two rules
never meet: with `ra overrides rb` and `rb overrides rc`, `ra` prevails over `rc` through
`rb` (whether or not `rb` fires), and removing `ra overrides rb` would leave a conflict
between `ra` and `rc` unresolved.

`prevails` is needless (W006 at the clause) when none of the overrides it stands for takes
part in resolving a conflict, directly or through a chain: no less protective rule it
outranks ever meets it.

### Why it matters

A needless `overrides` suggests a clash that does not exist, misleads reviewers about why a
rule is there, and may point at the wrong rule: the author perhaps meant to override a
different one, which is still in conflict.

### Example

```carel
condition sciatica "Sciatica"
factor overweight "BMI above the healthy range"
exercise hamstring_stretch "Hamstring stretch"
exercise walking "Walking"

rule sciatica_no_hamstring:
  if sciatica then avoid hamstring_stretch

rule overweight_walk:
  if overweight then recommend walking
  overrides sciatica_no_hamstring
```

### How to fix it

Remove the `overrides`, or name the rule that was meant:

```carel
condition sciatica "Sciatica"
factor overweight "BMI above the healthy range"
exercise hamstring_stretch "Hamstring stretch"
exercise walking "Walking"

rule sciatica_no_hamstring:
  if sciatica then avoid hamstring_stretch

rule overweight_walk:
  if overweight then recommend walking
```
"##;

const W007: &str = r##"
The rule has no `cite` clause: nothing says where its advice comes from.

### Why it matters

Clinical advice needs a traceable source. Reviewers check a rule against its source, apps
show patients and clinicians where advice comes from, and when a guideline is updated the
citations show which rules to revisit. Advice that rests on clinical experience should
still cite where that experience is written down, with `evidence expert_opinion`.

### Example

```carel
exercise walking "Walking"

rule keep_moving:
  recommend walking 10..20 min every 3 h
```

### How to fix it

Declare the source once and cite it from every rule that relies on it:

```carel
source seed004 "Exercises For Lower Back Pain Relief (web article)"
exercise walking "Walking"

rule keep_moving:
  recommend walking 10..20 min every 3 h
  because "Short walks every few hours help recovery."
  cite seed004
  evidence expert_opinion
```
"##;

const W008: &str = r##"
No patient can have this fact: the facts it implies (following `implies` through every step)
include a fact it excludes, or two facts that exclude each other or share an `exclusive`
group. Rules and tests that mention the fact are still analysed as usual: a rule that needs
it can never fire (W002).

### Why it matters

A fact no patient can have is almost always a slip in `implies` or `excludes`: advice written
for those patients is never given, and evaluation refuses every patient who has it.

### Example

```carel
factor sedentary "Sits most of the day" implies new_to_exercise
factor new_to_exercise "New to exercise" excludes sedentary
exercise walking "Walking"
source guide "A guideline"
rule start_slowly: if sedentary then recommend walking cite guide
```

### How to fix it

Keep the relations that are true of every patient; here a sedentary patient is new to
exercise, so the exclusion goes:

```carel
factor sedentary "Sits most of the day" implies new_to_exercise
factor new_to_exercise "New to exercise"
exercise walking "Walking"
source guide "A guideline"
rule start_slowly: if new_to_exercise then recommend walking cite guide
```
"##;
