//! Building models by hand for the analysis's unit tests.

use crate::model::*;
use crate::source::Span;

pub fn fact(f: FactId) -> Expr {
    Expr::Fact(f)
}

pub fn not(e: Expr) -> Expr {
    Expr::Not(Box::new(e))
}

pub fn all(es: Vec<Expr>) -> Expr {
    Expr::All(es)
}

pub fn any(es: Vec<Expr>) -> Expr {
    Expr::Any(es)
}

pub fn cmp(measure: MeasureId, op: &str, value: f64) -> Expr {
    Expr::Cmp {
        measure,
        op: CmpOp::parse(op).expect("a comparison operator"),
        value,
    }
}

/// A model under construction. Every rule gets distinct, recognisable spans: rule `r`'s head is
/// at `1000 r`, its condition at `1000 r + 100`, its action at `1000 r + 200`, its dose at
/// `1000 r + 300` and the n-th name of its `overrides` at `1000 r + 400 + 10 n`.
#[derive(Default)]
pub struct Kit {
    pub model: Model,
}

impl Kit {
    pub fn new() -> Kit {
        Kit::default()
    }

    pub fn fact(&mut self, name: &str) -> FactId {
        self.model.facts.push(Fact {
            name: name.into(),
            label: None,
            kind: FactKind::Condition,
            implies: Vec::new(),
            excludes: Vec::new(),
            codes: Vec::new(),
            span: Span::default(),
        });
        self.model.facts.len() - 1
    }

    pub fn exclusive(&mut self, name: &str, members: &[FactId]) {
        self.model.exclusives.push(Exclusive {
            name: name.into(),
            label: None,
            members: members.to_vec(),
            span: Span::default(),
        });
    }

    pub fn measure(&mut self, name: &str, min: f64, max: f64) -> MeasureId {
        self.model.measures.push(Measure {
            name: name.into(),
            label: None,
            unit: None,
            min: Some(min),
            max: Some(max),
            codes: Vec::new(),
            span: Span::default(),
        });
        self.model.measures.len() - 1
    }

    pub fn exercise(&mut self, name: &str) -> ExerciseId {
        self.model.exercises.push(Exercise {
            name: name.into(),
            label: None,
            categories: Vec::new(),
            span: Span::default(),
        });
        self.model.exercises.len() - 1
    }

    pub fn rule(
        &mut self,
        id: &str,
        when: Expr,
        action: Action,
        exercises: &[ExerciseId],
    ) -> RuleId {
        let r = self.model.rules.len();
        let base = 1000 * r;
        let mut exercises = exercises.to_vec();
        exercises.sort_by(|&a, &b| {
            self.model.exercises[a]
                .name
                .cmp(&self.model.exercises[b].name)
        });
        exercises.dedup();
        self.model.rules.push(Rule {
            id: id.into(),
            named: true,
            span: Span::new(0, base, base + 999),
            head_span: Span::new(0, base, base + 10),
            when_span: (when != Expr::Always).then(|| Span::new(0, base + 100, base + 110)),
            when,
            action,
            action_span: Span::new(0, base + 200, base + 210),
            targets: exercises
                .iter()
                .map(|&e| (Target::Exercise(e), Span::default()))
                .collect(),
            exercises,
            dose: None,
            cite: Vec::new(),
            evidence: None,
            strength: None,
            status: Status::Active,
            details: None,
        });
        r
    }

    pub fn dose(
        &mut self,
        r: RuleId,
        lo: f64,
        hi: f64,
        unit: AmountUnit,
        frequency: Option<Frequency>,
    ) {
        let base = 1000 * r;
        self.model.rules[r].dose = Some(Box::new(Dose {
            amount: Some(Amount {
                lo,
                hi,
                unit,
                bound: crate::model::Bound::Exactly,
            }),
            bouts: None,
            progression: None,
            frequency,
            span: Span::new(0, base + 300, base + 310),
        }));
    }

    pub fn overrides(&mut self, a: RuleId, b: RuleId) {
        let n = self.model.rules[a].overrides().len();
        let start = 1000 * a + 400 + 10 * n;
        self.model.rules[a]
            .details_mut()
            .overrides
            .push((b, Span::new(0, start, start + 5)));
    }

    pub fn retire(&mut self, r: RuleId) {
        self.model.rules[r].status = Status::Retired;
    }
}
