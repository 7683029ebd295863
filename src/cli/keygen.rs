//! `carel keygen NAME`: make a minisign key pair, `NAME.key` (secret) and `NAME.pub` (public),
//! for `carel build --sign NAME.key` and `carel verify --key NAME.pub`. Existing files are never
//! overwritten. With `CAREL_SIGN_PASSWORD` set, the secret key is encrypted with it.

use std::fs;
use std::io::Write;

use super::{OK, USAGE, load, output};
use carel::sign;

pub fn run(name: &str) -> u8 {
    let secret_file = format!("{name}.key");
    let public_file = format!("{name}.pub");
    for f in [&secret_file, &public_file] {
        if fs::symlink_metadata(f).is_ok() {
            eprintln!(
                "error: `{f}` already exists; keys are never overwritten: choose another name"
            );
            return USAGE;
        }
    }
    let password = std::env::var("CAREL_SIGN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let keys = match sign::generate(password.as_deref()) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE;
        }
    };
    if let Err(e) = create_new(&secret_file, keys.secret.as_bytes(), true) {
        eprintln!("error: {e}");
        return USAGE;
    }
    if let Err(e) = create_new(&public_file, keys.public.as_bytes(), false) {
        let _ = fs::remove_file(&secret_file);
        eprintln!("error: {e}");
        return USAGE;
    }
    let protection = if password.is_some() {
        "encrypted with CAREL_SIGN_PASSWORD"
    } else {
        "not encrypted: keep it private"
    };
    let message = format!(
        "secret key: {secret_file} ({protection})\npublic key: {public_file}\n{}\n",
        keys.public_base64
    );
    let _ = output::stdout(message.as_bytes());
    OK
}

/// Create a file that must not exist yet; a secret one is readable by its owner only.
fn create_new(path: &str, bytes: &[u8], secret: bool) -> Result<(), String> {
    let cannot = |e: std::io::Error| format!("cannot write `{path}`: {}", load::describe(&e));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    let _ = secret;
    let mut f = options.open(path).map_err(cannot)?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(cannot)
}
