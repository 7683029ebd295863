//! Formatting with `carel fmt`'s layout, keeping the document's line endings.

use lsp_types::TextEdit;

use super::position::LineIndex;

/// The edits that format a document: none when it is formatted already, or why it cannot be.
pub fn format(text: &str) -> Result<Vec<TextEdit>, String> {
    let formatted = crate::format::format(text).map_err(|diagnostics| {
        let first = diagnostics
            .first()
            .map(|d| format!(": {}", d.message))
            .unwrap_or_default();
        format!("the file cannot be formatted until its errors are fixed{first}")
    })?;
    let formatted = crate::format::keep_line_endings(text, &formatted);
    if formatted == text {
        return Ok(Vec::new());
    }
    let lines = LineIndex::new(text);
    let range = lines.range(text, 0, text.len());
    Ok(vec![TextEdit::new(range, formatted)])
}
