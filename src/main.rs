//! The `carel` command line: a thin layer over the library that reads files, writes output
//! and turns results into exit statuses (0 success, 1 ruleset errors or failed tests,
//! 2 bad usage or an unreadable path).

/// `eprintln!` for the whole command line, except that a closed stderr (a reader that went
/// away, as in `carel check x 2>&1 | head -1`) is not a panic: the message is dropped and
/// the exit status still says what happened.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cli;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

/// A check builds and drops millions of small objects (names, conditions, clauses) on two
/// threads; mimalloc does that markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "carel",
    version,
    about = "Compiler and validator for clinical advice rules"
)]
pub struct Args {
    /// When to colour the output: `auto` colours a terminal unless NO_COLOR is set to a
    /// non-empty value (CLICOLOR_FORCE set to a value other than 0 colours any output).
    #[arg(
        long,
        value_enum,
        global = true,
        default_value = "auto",
        value_name = "WHEN"
    )]
    color: cli::output::ColorWhen,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Diagnostics with the source lines they point at.
    Human,
    /// One JSON object with every diagnostic, for tools.
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz.
    Dot,
    /// A Mermaid flowchart (renders in Markdown on most code hosts).
    Mermaid,
    /// Nodes and edges as JSON.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    /// The advice as sentences, with the rules that gave it.
    Human,
    /// The advice and trace as JSON.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// Plain text for reading in a terminal.
    Text,
    /// The explanation's Markdown source.
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BuildFormat {
    /// The Carel JSON bundle (docs/bundle.md).
    Bundle,
    /// A FHIR R4 Bundle: PlanDefinition and ActivityDefinitions (docs/fhir.md).
    Fhir,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// A line per test, failures with the deciding rules.
    Human,
    /// One JSON object (docs/language.md, "Tests").
    Json,
    /// JUnit XML, for CI systems that show test results.
    Junit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Plain text for a terminal.
    Human,
    /// Markdown, fit to post as a pull-request comment.
    Markdown,
    /// One JSON object (docs/diff.md).
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, type-check and analyse a ruleset; print diagnostics.
    Check {
        /// A `.carel` file or a folder of them.
        path: String,
        /// How to print the diagnostics.
        #[arg(long, value_enum, default_value = "human")]
        format: CheckFormat,
        /// Exit 1 when there are warnings, too.
        #[arg(long)]
        deny_warnings: bool,
        /// SARIF only: file URIs are relative to this folder (default: the current folder).
        #[arg(long, value_name = "DIR")]
        root: Option<String>,
    },
    /// Write the JSON rule bundle (to stdout unless -o is given).
    Build {
        /// A `.carel` file or a folder of them.
        path: String,
        /// Output file; left untouched when the ruleset has errors.
        #[arg(short, long)]
        output: Option<String>,
        /// Refuse to build when there are warnings, too.
        #[arg(long)]
        deny_warnings: bool,
        /// What to write: the Carel bundle, or a FHIR R4 Bundle.
        #[arg(long, value_enum, default_value = "bundle")]
        format: BuildFormat,
        /// Also write a minisign signature, `FILE.minisig`, made with this secret key file
        /// (a password-protected key takes its password from CAREL_SIGN_PASSWORD).
        #[arg(long, value_name = "KEY")]
        sign: Option<String>,
    },
    /// Check a built file's signature and digest (exit 0 valid, 1 invalid).
    Verify {
        /// A bundle or FHIR export written by `carel build --sign`.
        bundle: String,
        /// The public key: a minisign `.pub` file or the base64 key itself.
        #[arg(long)]
        key: String,
        /// The signature file (default: BUNDLE.minisig).
        #[arg(long)]
        signature: Option<String>,
    },
    /// Run an HL7 CDS Hooks service (patient-view) for a bundle until Ctrl-C.
    #[cfg(feature = "serve")]
    Serve {
        /// A bundle (`.json`) or a ruleset.
        bundle: String,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Verify each call's bearer JWT against these keys (a JWK Set of ES384/RS384 keys).
        #[arg(long, value_name = "FILE")]
        jwks: Option<String>,
        /// An accepted JWT audience besides the endpoint's own URL (repeatable).
        #[arg(long, value_name = "URL")]
        audience: Vec<String>,
        /// Serve on a non-loopback address without `--jwks`.
        #[arg(long)]
        allow_unauthenticated: bool,
        /// Refuse to start unless BUNDLE.minisig is a valid signature by `--key`.
        #[arg(long)]
        require_signature: bool,
        /// The public key for `--require-signature`.
        #[arg(long)]
        key: Option<String>,
        /// The largest request body accepted, in bytes.
        #[arg(long, default_value_t = carel::serve::DEFAULT_MAX_BODY)]
        max_body: usize,
        /// No request log on stderr.
        #[arg(long)]
        quiet: bool,
    },
    /// Make a signing key pair: NAME.key (secret) and NAME.pub (public).
    Keygen {
        /// Path and name of the key files, without extension.
        name: String,
    },
    /// Print the conflict graph: rules as nodes, conflicts and overrides as edges.
    Graph {
        /// A `.carel` file or a folder of them.
        path: String,
        /// The graph language to print.
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
        /// Only the rules advising this exercise, and their overrides and conflicts on it.
        #[arg(long, value_name = "EXERCISE")]
        exercise: Option<String>,
        /// Only this rule and the rules it overrides, is overridden by or conflicts with.
        #[arg(long, value_name = "RULE")]
        rule: Option<String>,
        /// Only conflicts left unresolved (warnings, and contradictions still to settle).
        #[arg(long)]
        unresolved: bool,
    },
    /// Final advice for one patient, with the trace. PATH may be a ruleset or a bundle.
    Eval {
        /// A ruleset (a `.carel` file or a folder) or a bundle (`.json`).
        path: String,
        /// Facts and measures of the patient: `sciatica,chronic,age=45`.
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        given: String,
        /// Facts known not to hold: `sciatica,overweight`.
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        not: String,
        /// Facts and measures not known yet (`new_to_exercise,age`), or `all`: every fact and
        /// measure neither given nor named after --not. The advice then lists what it depends on.
        #[arg(long, allow_hyphen_values = true)]
        unknown: Option<String>,
        /// How to print the advice.
        #[arg(long, value_enum, default_value = "human")]
        format: EvalFormat,
    },
    /// Write the clinical review report: one self-contained HTML page (to stdout unless -o).
    Report {
        /// A ruleset (folder or `.carel` file) or a bundle (`.json`).
        path: String,
        /// Output file; left untouched when the ruleset has errors.
        #[arg(short, long)]
        output: Option<String>,
        /// The date reviews are judged against (YYYY-MM-DD); by default the most recent
        /// `reviewed` date in the ruleset, so the report never depends on the clock.
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
        /// A rule is overdue for review when last reviewed more than this many months earlier.
        #[arg(long, value_name = "MONTHS", default_value_t = 12)]
        review_months: u32,
    },
    /// Run the ruleset's `test` blocks.
    Test {
        /// A `.carel` file or a folder of them.
        path: String,
        /// How to print the results.
        #[arg(long, value_enum, default_value = "human")]
        format: TestFormat,
        /// Report the live rules no test fires and the resolved conflicts no test exercises.
        #[arg(long)]
        coverage: bool,
        /// Exit 1 when coverage (in percent) is below this.
        #[arg(long, value_name = "PCT")]
        min_coverage: Option<f64>,
    },
    /// Which patients' advice changes between two versions (folders, files or bundles).
    Diff {
        /// The old version: a `.carel` file, a folder of them, or a bundle.
        old: String,
        /// The new version: a `.carel` file, a folder of them, or a bundle.
        new: String,
        /// How to print the changes.
        #[arg(long, value_enum, default_value = "human")]
        format: DiffFormat,
        /// Exit 3 when some patient's advice changes.
        #[arg(long)]
        exit_code: bool,
    },
    /// Format ruleset files canonically (line endings and a byte-order mark are kept).
    Fmt {
        /// A `.carel` file, a folder of them, or `-` to read standard input and write the
        /// result to standard output.
        path: String,
        /// Report files that are not formatted instead of rewriting them.
        #[arg(long)]
        check: bool,
        /// Print what would change as a unified diff instead of rewriting the files.
        #[arg(long)]
        diff: bool,
    },
    /// Print the long explanation of a diagnostic code.
    Explain {
        /// A diagnostic code such as `E010` (case does not matter).
        code: String,
        /// Plain text, or the Markdown it is written in.
        #[arg(long, value_enum, default_value = "text")]
        format: ExplainFormat,
    },
    /// Print a shell's completion script for carel.
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print carel's manual page (roff), e.g. `carel man > carel.1`.
    #[command(hide = true)]
    Man,
    /// Run the language server on standard input and output (for editors).
    #[cfg(feature = "lsp")]
    Lsp,
}

/// mimalloc's `mi_option_purge_delay` (milliseconds before freed memory goes back to the OS),
/// which `libmimalloc-sys` does not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Large rulesets allocate hundreds of megabytes that the kernel must fault in and zero page
    // by page; transparent huge pages cut that system time by half on a million-rule check.
    // Memory freed is handed back to the OS after 10 ms rather than mimalloc's default second:
    // the syntax trees are freed rule by rule as names are resolved, and so leave the resident
    // set while the model is built (a million-rule check peaks at 1.1 GB rather than 1.4 GB).
    // SAFETY: sets process-wide allocator options before any other thread exists; mimalloc
    // reads them whenever it asks the OS for memory or frees a page.
    unsafe {
        libmimalloc_sys::mi_option_set_enabled(libmimalloc_sys::mi_option_large_os_pages, true);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10);
    }
    // Before any parallel pass: rayon would panic if its threads could not start.
    cli::threads::start();
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    cli::output::set_color(args.color);
    let status = match args.command {
        Command::Check {
            path,
            format,
            deny_warnings,
            root,
        } => cli::check::run(&path, format, deny_warnings, root.as_deref()),
        Command::Build {
            path,
            output,
            format,
            sign,
            deny_warnings,
        } => cli::build::run(
            &path,
            output.as_deref(),
            format,
            sign.as_deref(),
            deny_warnings,
        ),
        Command::Verify {
            bundle,
            key,
            signature,
        } => cli::verify::run(&bundle, &key, signature.as_deref()),
        Command::Keygen { name } => cli::keygen::run(&name),
        #[cfg(feature = "serve")]
        Command::Serve {
            bundle,
            addr,
            jwks,
            audience,
            allow_unauthenticated,
            require_signature,
            key,
            max_body,
            quiet,
        } => cli::serve::run(cli::serve::Args {
            path: &bundle,
            addr: &addr,
            jwks: jwks.as_deref(),
            audience,
            allow_unauthenticated,
            require_signature,
            key: key.as_deref(),
            max_body,
            quiet,
        }),
        Command::Graph {
            path,
            format,
            exercise,
            rule,
            unresolved,
        } => cli::graph::run(
            &path,
            format,
            &cli::graph::Options {
                exercise: exercise.as_deref(),
                rule: rule.as_deref(),
                unresolved,
            },
        ),
        Command::Eval {
            path,
            given,
            not,
            unknown,
            format,
        } => cli::eval::run(&path, &given, &not, unknown.as_deref(), format),
        Command::Report {
            path,
            output,
            today,
            review_months,
        } => cli::report::run(&path, output.as_deref(), today.as_deref(), review_months),
        Command::Test {
            path,
            format,
            coverage,
            min_coverage,
        } => cli::test::run(&path, format, coverage, min_coverage),
        Command::Diff {
            old,
            new,
            format,
            exit_code,
        } => cli::diff::run(&old, &new, format, exit_code),
        Command::Fmt { path, check, diff } => cli::fmt::run(&path, check, diff),
        Command::Explain { code, format } => cli::explain::run(&code, format),
        Command::Completions { shell } => cli::completions::run(shell, Args::command()),
        Command::Man => cli::completions::man(Args::command()),
        #[cfg(feature = "lsp")]
        Command::Lsp => cli::lsp::run(),
    };
    ExitCode::from(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `carel help` explains every command, argument and option.
    #[test]
    fn every_argument_has_help() {
        let mut missing = Vec::new();
        let root = Args::command();
        for arg in root.get_arguments() {
            if arg.get_help().is_none() && !matches!(arg.get_id().as_str(), "help" | "version") {
                missing.push(format!("carel --{}", arg.get_id()));
            }
        }
        for command in root.get_subcommands() {
            if command.get_about().is_none() {
                missing.push(format!("carel {}", command.get_name()));
            }
            for arg in command.get_arguments() {
                if arg.get_help().is_none() && !matches!(arg.get_id().as_str(), "help" | "version")
                {
                    missing.push(format!("carel {} {}", command.get_name(), arg.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
    }
}
