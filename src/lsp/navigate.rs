//! Go to definition, find references and rename, across every file of the ruleset.

use std::collections::HashMap;

use lsp_types::{Location, TextEdit, Uri, WorkspaceEdit};

use super::index::{Namespace, Role};
use super::workspace::Ruleset;

pub fn definition(ruleset: &Ruleset, file: usize, offset: usize) -> Vec<Location> {
    let index = ruleset.index();
    let Some(occurrence) = index.files[file].at(offset) else {
        return Vec::new();
    };
    let namespace = occurrence.role.namespace();
    index
        .lookup(namespace, &occurrence.name)
        .iter()
        .map(|&d| {
            let decl = index.decl(d);
            ruleset.location(d.file, decl.start, decl.end)
        })
        .collect()
}

pub fn references(
    ruleset: &Ruleset,
    file: usize,
    offset: usize,
    include_declaration: bool,
) -> Vec<Location> {
    let index = ruleset.index();
    let Some(occurrence) = index.files[file].at(offset) else {
        return Vec::new();
    };
    let namespace = occurrence.role.namespace();
    index
        .mentions(namespace, &occurrence.name)
        .filter(|(_, o)| include_declaration || !matches!(o.role, Role::Declares(_)))
        .map(|(f, o)| ruleset.location(f, o.start, o.end))
        .collect()
}

/// The range of the name to rename, or why it cannot be renamed.
pub fn prepare_rename(
    ruleset: &Ruleset,
    file: usize,
    offset: usize,
) -> Result<lsp_types::Range, String> {
    let index = ruleset.index();
    let occurrence = index.files[file]
        .at(offset)
        .ok_or_else(|| "there is no name here to rename".to_string())?;
    if occurrence.implicit {
        return Err(format!(
            "`{}` is the id of a rule without a name; give it one with `rule NAME:` first",
            occurrence.name
        ));
    }
    if occurrence.role.namespace() == Namespace::Ruleset {
        return Ok(ruleset.range_of(file, occurrence.start, occurrence.end));
    }
    if index
        .lookup(occurrence.role.namespace(), &occurrence.name)
        .is_empty()
    {
        return Err(format!(
            "`{}` is not declared in this ruleset",
            occurrence.name
        ));
    }
    Ok(ruleset.range_of(file, occurrence.start, occurrence.end))
}

pub fn rename(
    ruleset: &Ruleset,
    file: usize,
    offset: usize,
    new_name: &str,
) -> Result<WorkspaceEdit, String> {
    prepare_rename(ruleset, file, offset)?;
    check_name(new_name)?;
    let index = ruleset.index();
    let occurrence = index.files[file]
        .at(offset)
        .ok_or_else(|| "there is no name here to rename".to_string())?;
    let namespace = occurrence.role.namespace();
    if new_name != occurrence.name && !index.lookup(namespace, new_name).is_empty() {
        return Err(format!("`{new_name}` is already declared in this ruleset"));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (f, o) in index.mentions(namespace, &occurrence.name) {
        if o.implicit {
            continue;
        }
        changes
            .entry(ruleset.files[f].uri.clone())
            .or_default()
            .push(TextEdit::new(
                ruleset.range_of(f, o.start, o.end),
                new_name.to_string(),
            ));
    }
    Ok(WorkspaceEdit::new(changes))
}

/// A new name must be a name (`[a-z][a-z0-9_]*`) and not a word of the language.
pub fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(format!(
            "`{name}` is not a valid name: use lower-case letters, digits and `_`, starting with a letter (e.g. `{}`)",
            crate::syntax::snake_case(name)
        ));
    }
    if crate::syntax::words::RESERVED.contains(&name) {
        return Err(format!(
            "`{name}` is a word of the language and cannot be a name"
        ));
    }
    Ok(())
}
