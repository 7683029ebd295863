//! `carel completions SHELL` and the manual page, both generated from the command line's own
//! definition so they cannot drift from it.

use super::{OK, USAGE, output};

pub fn run(shell: clap_complete::Shell, mut command: clap::Command) -> u8 {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "carel", &mut script);
    finish(output::stdout(&script))
}

/// The roff manual page (docs/carel.1 holds a copy, checked by a test).
pub fn man(command: clap::Command) -> u8 {
    let mut page = Vec::new();
    if let Err(e) = clap_mangen::Man::new(command).render(&mut page) {
        eprintln!("error: cannot render the manual page: {e}");
        return USAGE;
    }
    finish(output::stdout(&page))
}

fn finish(written: std::io::Result<()>) -> u8 {
    match written {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: cannot write: {e}");
            USAGE
        }
    }
}
