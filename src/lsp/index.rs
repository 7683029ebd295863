//! What each file declares and mentions: every name in the syntax tree with its role, so that
//! hover, go to definition, references, rename, symbols and semantic tokens work even while the
//! ruleset has errors (the model exists only when it has none).

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::FactKind;
use crate::syntax::{self, ast};

/// The kind of thing a name declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Ruleset,
    Condition,
    Factor,
    Exclusive,
    Measure,
    Category,
    Exercise,
    Source,
    Rule,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Ruleset => "ruleset",
            Kind::Condition => "condition",
            Kind::Factor => "factor",
            Kind::Exclusive => "exclusive group",
            Kind::Measure => "measure",
            Kind::Category => "category",
            Kind::Exercise => "exercise",
            Kind::Source => "source",
            Kind::Rule => "rule",
        }
    }

    /// Rules have their own namespace; the ruleset's name is in none; everything else
    /// (the vocabulary) shares one.
    pub fn namespace(self) -> Namespace {
        match self {
            Kind::Rule => Namespace::Rules,
            Kind::Ruleset => Namespace::Ruleset,
            _ => Namespace::Vocabulary,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Namespace {
    Vocabulary,
    Rules,
    Ruleset,
}

/// What a name in a reference position must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Wanted {
    /// A condition or factor.
    Fact,
    Measure,
    /// A fact or a measure (a test's `given`).
    FactOrMeasure,
    /// An exercise or a category (advice and expectations).
    Target,
    Category,
    Source,
    Rule,
}

impl Wanted {
    pub fn namespace(self) -> Namespace {
        match self {
            Wanted::Rule => Namespace::Rules,
            _ => Namespace::Vocabulary,
        }
    }

    pub fn accepts(self, kind: Kind) -> bool {
        match self {
            Wanted::Fact => matches!(kind, Kind::Condition | Kind::Factor),
            Wanted::Measure => kind == Kind::Measure,
            Wanted::FactOrMeasure => matches!(kind, Kind::Condition | Kind::Factor | Kind::Measure),
            Wanted::Target => matches!(kind, Kind::Exercise | Kind::Category),
            Wanted::Category => kind == Kind::Category,
            Wanted::Source => kind == Kind::Source,
            Wanted::Rule => kind == Kind::Rule,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Declares(Kind),
    Refers(Wanted),
}

impl Role {
    pub fn namespace(self) -> Namespace {
        match self {
            Role::Declares(k) => k.namespace(),
            Role::Refers(w) => w.namespace(),
        }
    }
}

/// One name written in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Occurrence {
    pub name: String,
    pub start: usize,
    pub end: usize,
    pub role: Role,
    /// An unnamed rule's id stands at its `if`: it cannot be renamed there.
    pub implicit: bool,
}

/// One declaration of a file: the item it heads (index into the tree's items) and its name.
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    pub name: String,
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub item: usize,
    pub implicit: bool,
}

/// A file's tree and the names in it.
#[derive(Debug)]
pub struct FileIndex {
    pub tree: ast::File,
    /// Sorted by position.
    pub occurrences: Vec<Occurrence>,
    pub declared: Vec<Declared>,
}

impl FileIndex {
    /// Read a file (its syntax errors are the compiler's business; broken items are skipped).
    pub fn build(stem: &str, text: &str) -> FileIndex {
        let mut ignored = Vec::new();
        let (tree, _) = syntax::parse_file(0, text, &mut ignored);
        let mut w = Walker::default();
        let mut unnamed = 0;
        for (i, item) in tree.items.iter().enumerate() {
            w.item(i, item, stem, &mut unnamed);
        }
        w.occurrences.sort_by_key(|o| (o.start, o.end));
        FileIndex {
            tree,
            occurrences: w.occurrences,
            declared: w.declared,
        }
    }

    /// The name at a byte offset (touching its start or end counts).
    pub fn at(&self, offset: usize) -> Option<&Occurrence> {
        let i = self.occurrences.partition_point(|o| o.end < offset);
        self.occurrences
            .get(i)
            .filter(|o| o.start <= offset && offset <= o.end)
    }
}

#[derive(Default)]
struct Walker {
    occurrences: Vec<Occurrence>,
    declared: Vec<Declared>,
}

impl Walker {
    fn declare(&mut self, item: usize, kind: Kind, name: &ast::Name) {
        self.declared.push(Declared {
            name: name.text.to_string(),
            kind,
            start: name.span.start(),
            end: name.span.end(),
            item,
            implicit: false,
        });
        self.occurrences.push(Occurrence {
            name: name.text.to_string(),
            start: name.span.start(),
            end: name.span.end(),
            role: Role::Declares(kind),
            implicit: false,
        });
    }

    fn refer(&mut self, wanted: Wanted, name: &ast::Name) {
        self.occurrences.push(Occurrence {
            name: name.text.to_string(),
            start: name.span.start(),
            end: name.span.end(),
            role: Role::Refers(wanted),
            implicit: false,
        });
    }

    fn refer_all(&mut self, wanted: Wanted, names: &[ast::Name]) {
        for n in names {
            self.refer(wanted, n);
        }
    }

    fn item(&mut self, i: usize, item: &ast::Item, stem: &str, unnamed: &mut usize) {
        match item {
            ast::Item::Ruleset(r) => self.declare(i, Kind::Ruleset, &r.name),
            ast::Item::Fact(f) => {
                let kind = match f.kind {
                    FactKind::Condition => Kind::Condition,
                    FactKind::Factor => Kind::Factor,
                };
                self.declare(i, kind, &f.name);
                self.refer_all(Wanted::Fact, f.implies());
                self.refer_all(Wanted::Fact, f.excludes());
            }
            ast::Item::Exclusive(x) => {
                self.declare(i, Kind::Exclusive, &x.name);
                self.refer_all(Wanted::Fact, &x.members);
            }
            ast::Item::Measure(m) => self.declare(i, Kind::Measure, &m.name),
            ast::Item::Category(c) => {
                self.declare(i, Kind::Category, &c.name);
                self.refer_all(Wanted::Category, &c.parents);
            }
            ast::Item::Exercise(e) => {
                self.declare(i, Kind::Exercise, &e.name);
                self.refer_all(Wanted::Category, &e.categories);
            }
            ast::Item::Source(s) => self.declare(i, Kind::Source, &s.name),
            ast::Item::Rule(r) => {
                match &r.name {
                    Some(name) => self.declare(i, Kind::Rule, name),
                    None => {
                        *unnamed += 1;
                        let id = format!("{stem}_{unnamed}");
                        let (start, end) = (r.head_span.start(), r.head_span.end());
                        self.declared.push(Declared {
                            name: id.clone(),
                            kind: Kind::Rule,
                            start,
                            end,
                            item: i,
                            implicit: true,
                        });
                        self.occurrences.push(Occurrence {
                            name: id,
                            start,
                            end,
                            role: Role::Declares(Kind::Rule),
                            implicit: true,
                        });
                    }
                }
                for cond in [&r.cond, &r.unless].into_iter().flatten() {
                    self.cond(cond);
                }
                self.refer_all(Wanted::Target, &r.action.targets);
                self.refer_all(Wanted::Target, &r.action.except);
                for cite in &r.cite {
                    self.refer(Wanted::Source, &cite.source);
                }
                self.refer_all(Wanted::Rule, r.overrides());
            }
            ast::Item::Test(t) => {
                for g in &t.given {
                    self.refer(Wanted::FactOrMeasure, &g.name);
                }
                for e in &t.expects {
                    self.refer_all(Wanted::Target, &e.targets);
                }
            }
        }
    }

    fn cond(&mut self, cond: &ast::Cond) {
        // Conditions are at most `syntax::MAX_NESTING` deep, and chains are flat.
        match cond {
            ast::Cond::Fact(n) => self.refer(Wanted::Fact, n),
            ast::Cond::Cmp(c) => self.refer(Wanted::Measure, &c.measure),
            ast::Cond::In(c) => self.refer(Wanted::Measure, &c.measure),
            ast::Cond::Not(inner, _) => self.cond(inner),
            ast::Cond::All(parts, _) | ast::Cond::Any(parts, _) => {
                for p in parts {
                    self.cond(p);
                }
            }
        }
    }
}

/// The whole of an item.
pub fn item_span(item: &ast::Item) -> crate::source::Span {
    match item {
        ast::Item::Ruleset(i) => i.span,
        ast::Item::Fact(i) => i.span,
        ast::Item::Exclusive(i) => i.span,
        ast::Item::Measure(i) => i.span,
        ast::Item::Category(i) => i.span,
        ast::Item::Exercise(i) => i.span,
        ast::Item::Source(i) => i.span,
        ast::Item::Rule(i) => i.span,
        ast::Item::Test(i) => i.span,
    }
}

/// Where a declaration is: a file of the ruleset and the declaration's place in its index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeclRef {
    pub file: usize,
    pub index: usize,
}

/// Every file's index and the declarations of the whole ruleset by name.
#[derive(Debug, Default)]
pub struct RulesetIndex {
    pub files: Vec<Arc<FileIndex>>,
    by_name: HashMap<(Namespace, String), Vec<DeclRef>>,
}

impl RulesetIndex {
    pub fn new(files: Vec<Arc<FileIndex>>) -> RulesetIndex {
        let mut by_name: HashMap<(Namespace, String), Vec<DeclRef>> = HashMap::new();
        for (file, index) in files.iter().enumerate() {
            for (i, d) in index.declared.iter().enumerate() {
                by_name
                    .entry((d.kind.namespace(), d.name.clone()))
                    .or_default()
                    .push(DeclRef { file, index: i });
            }
        }
        RulesetIndex { files, by_name }
    }

    pub fn decl(&self, r: DeclRef) -> &Declared {
        &self.files[r.file].declared[r.index]
    }

    pub fn item(&self, r: DeclRef) -> &ast::Item {
        &self.files[r.file].tree.items[self.decl(r).item]
    }

    /// The declarations of a name in a namespace (more than one is an E004 the compiler reports).
    pub fn lookup(&self, namespace: Namespace, name: &str) -> &[DeclRef] {
        self.by_name
            .get(&(namespace, name.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// The declaration a name in a reference or declaration position stands for.
    pub fn resolve(&self, occurrence: &Occurrence) -> Option<DeclRef> {
        let found = self.lookup(occurrence.role.namespace(), &occurrence.name);
        match occurrence.role {
            Role::Refers(wanted) => found
                .iter()
                .copied()
                .find(|&r| wanted.accepts(self.decl(r).kind))
                .or_else(|| found.first().copied()),
            Role::Declares(_) => found.first().copied(),
        }
    }

    /// Every declaration of the ruleset, file by file.
    pub fn all(&self) -> impl Iterator<Item = DeclRef> + '_ {
        self.files
            .iter()
            .enumerate()
            .flat_map(|(file, f)| (0..f.declared.len()).map(move |index| DeclRef { file, index }))
    }

    /// Every place (file, occurrence) that names `name` in `namespace`.
    pub fn mentions<'a>(
        &'a self,
        namespace: Namespace,
        name: &'a str,
    ) -> impl Iterator<Item = (usize, &'a Occurrence)> + 'a {
        self.files.iter().enumerate().flat_map(move |(file, f)| {
            f.occurrences
                .iter()
                .filter(move |o| o.role.namespace() == namespace && o.name == name)
                .map(move |o| (file, o))
        })
    }

    /// The parents of a category or the categories of an exercise, as written.
    pub fn parents(&self, r: DeclRef) -> &[ast::Name] {
        match self.item(r) {
            ast::Item::Category(c) => &c.parents,
            ast::Item::Exercise(e) => &e.categories,
            _ => &[],
        }
    }

    /// Every ancestor category of a category or exercise, nearest first, each once.
    pub fn ancestors(&self, r: DeclRef) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut queue: Vec<DeclRef> = vec![r];
        let mut next = 0;
        while next < queue.len() {
            let current = queue[next];
            next += 1;
            for p in self.parents(current) {
                if out.iter().any(|o| *o == p.text) {
                    continue;
                }
                out.push(p.text.to_string());
                if let Some(&d) = self
                    .lookup(Namespace::Vocabulary, &p.text)
                    .iter()
                    .find(|&&d| self.decl(d).kind == Kind::Category)
                {
                    queue.push(d);
                }
            }
        }
        out
    }

    /// The exercises a target stands for: itself, or every exercise below a category.
    pub fn exercises_of(&self, name: &str) -> Vec<String> {
        let is_exercise = self
            .lookup(Namespace::Vocabulary, name)
            .iter()
            .any(|&d| self.decl(d).kind == Kind::Exercise);
        if is_exercise {
            return vec![name.to_string()];
        }
        let mut out: Vec<String> = self
            .all()
            .filter(|&d| self.decl(d).kind == Kind::Exercise)
            .filter(|&d| self.ancestors(d).iter().any(|a| a == name))
            .map(|d| self.decl(d).name.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The names declared with a kind the position wants, sorted and each once.
    pub fn names_for(&self, wanted: Wanted) -> Vec<(String, Kind)> {
        let mut out: Vec<(String, Kind)> = self
            .all()
            .map(|d| self.decl(d))
            .filter(|d| wanted.accepts(d.kind))
            .map(|d| (d.name.clone(), d.kind))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "condition sciatica \"Sciatica\"\nmeasure age range 0..120\n\
        category stretching\ncategory all in stretching\nexercise hamstring_stretch in all\n\
        if sciatica and age >= 65 then avoid stretching\n\
        rule r2: if not sciatica then recommend hamstring_stretch overrides back_1\n";

    #[test]
    fn names_have_roles() {
        let f = FileIndex::build("back", TEXT);
        let roles: Vec<(&str, Role)> = f
            .occurrences
            .iter()
            .map(|o| (o.name.as_str(), o.role))
            .collect();
        assert!(roles.contains(&("sciatica", Role::Declares(Kind::Condition))));
        assert!(roles.contains(&("age", Role::Refers(Wanted::Measure))));
        assert!(roles.contains(&("stretching", Role::Refers(Wanted::Target))));
        assert!(roles.contains(&("back_1", Role::Declares(Kind::Rule))));
        assert!(roles.contains(&("back_1", Role::Refers(Wanted::Rule))));
        let at = TEXT.find("age >=").unwrap() + 1;
        assert_eq!(f.at(at).map(|o| o.name.as_str()), Some("age"));
    }

    #[test]
    fn categories_expand_through_the_hierarchy() {
        let index = RulesetIndex::new(vec![Arc::new(FileIndex::build("back", TEXT))]);
        assert_eq!(index.exercises_of("stretching"), vec!["hamstring_stretch"]);
        let ex = index.lookup(Namespace::Vocabulary, "hamstring_stretch")[0];
        assert_eq!(index.ancestors(ex), vec!["all", "stretching"]);
    }
}
