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

use clap::{Parser, Subcommand, ValueEnum};

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
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BuildFormat {
    /// The Carel JSON bundle (docs/bundle.md).
    Bundle,
    /// A FHIR R4 Bundle: PlanDefinition and ActivityDefinitions (docs/fhir.md).
    Fhir,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, type-check and analyse a ruleset; print diagnostics.
    Check {
        /// A `.carel` file or a folder of them.
        path: String,
        #[arg(long, value_enum, default_value = "human")]
        format: CheckFormat,
        /// Exit 1 when there are warnings, too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Write the JSON rule bundle (to stdout unless -o is given).
    Build {
        path: String,
        /// Output file; left untouched when the ruleset has errors.
        #[arg(short, long)]
        output: Option<String>,
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
        path: String,
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
    },
    /// Final advice for one patient, with the trace. PATH may be a ruleset or a bundle.
    Eval {
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
        #[arg(long, value_enum, default_value = "human")]
        format: EvalFormat,
    },
    /// Run the ruleset's `test` blocks.
    Test { path: String },
    /// Format ruleset files canonically.
    Fmt {
        path: String,
        /// Report files that are not formatted instead of rewriting them.
        #[arg(long)]
        check: bool,
    },
    /// Print the long explanation of a diagnostic code.
    Explain { code: String },
}

fn main() -> ExitCode {
    // Large rulesets allocate hundreds of megabytes that the kernel must fault in and zero page
    // by page; transparent huge pages cut that system time by half on a million-rule check.
    // SAFETY: sets a process-wide allocator option before any other thread exists; mimalloc
    // reads it whenever it asks the OS for memory.
    unsafe {
        libmimalloc_sys::mi_option_set_enabled(libmimalloc_sys::mi_option_large_os_pages, true);
    }
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let status = match args.command {
        Command::Check {
            path,
            format,
            deny_warnings,
        } => cli::check::run(&path, format, deny_warnings),
        Command::Build {
            path,
            output,
            format,
            sign,
        } => cli::build::run(&path, output.as_deref(), format, sign.as_deref()),
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
        Command::Graph { path, format } => cli::graph::run(&path, format),
        Command::Eval {
            path,
            given,
            not,
            unknown,
            format,
        } => cli::eval::run(&path, &given, &not, unknown.as_deref(), format),
        Command::Test { path } => cli::test::run(&path),
        Command::Fmt { path, check } => cli::fmt::run(&path, check),
        Command::Explain { code } => cli::explain::run(&code),
    };
    ExitCode::from(status)
}
