//! Long explanations of each diagnostic code (Markdown), shown by `carel explain`.

use super::Code;

pub fn text(code: Code) -> &'static str {
    match code {
        _ => "",
    }
}
