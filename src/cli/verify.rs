//! `carel verify FILE --key PUBLIC_KEY [--signature SIG]`: check a built file's minisign
//! signature and, for a bundle, its digest. Exit 0 when valid, 1 when not (a missing or
//! non-matching signature, a changed bundle), 2 when the files or key cannot be read.

use std::path::Path;

use super::{FAILED, OK, USAGE, build, load, output};
use carel::bundle::Bundle;
use carel::sign;

pub fn run(file: &str, key: &str, signature: Option<&str>) -> u8 {
    match check(file, key, signature) {
        Ok(message) => {
            let _ = output::stdout(message.as_bytes());
            OK
        }
        Err((status, message)) => {
            eprintln!("{message}");
            status
        }
    }
}

/// Check `file` against its signature. `Ok` has the report for stdout; `Err` the exit status
/// and the message for stderr.
pub fn check(file: &str, key: &str, signature: Option<&str>) -> Result<String, (u8, String)> {
    let bytes = load::read_limited(Path::new(file), file, load::MAX_FILE_BYTES, "a bundle")
        .map_err(|e| (USAGE, format!("error: {}", e.0)))?;
    // `--key` names a public key file, or is the base64 key itself (as `minisign -P` takes it).
    let key_text = if Path::new(key).exists() {
        build::read_key_file(key, "a minisign public key")
            .map_err(|e| (USAGE, format!("error: {e}")))?
    } else {
        key.to_string()
    };
    let public_key = sign::public_key(&key_text).map_err(|e| {
        (
            USAGE,
            format!("error: `{key}` is neither a readable key file nor a public key: {e}"),
        )
    })?;
    let sig_file = signature.map_or_else(
        || format!("{file}{}", sign::SIGNATURE_SUFFIX),
        str::to_string,
    );
    let sig_text = load::read_limited(Path::new(&sig_file), &sig_file, 64 * 1024, "a signature")
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| {
            let why = format!("invalid: `{file}` has no readable signature: {}", e.0);
            (FAILED, why)
        })?;
    let verified = sign::verify(&bytes, &sig_text, &public_key)
        .map_err(|e| (FAILED, format!("invalid: `{file}`: {e}")))?;
    let text = String::from_utf8_lossy(&bytes);
    let (what, digest) = content_digest(&text)
        .map_err(|e| (FAILED, format!("invalid: `{file}` is signed, but {e}")))?;
    match sign::digest_in(&verified.trusted_comment) {
        Some(signed) if signed == digest => {}
        Some(signed) => {
            let why = format!(
                "invalid: `{file}` is signed for digest {signed}, but its content has digest {digest}"
            );
            return Err((FAILED, why));
        }
        None => {
            let why = format!(
                "invalid: the signature of `{file}` does not name a Carel digest (trusted comment: \"{}\")",
                verified.trusted_comment
            );
            return Err((FAILED, why));
        }
    }
    Ok(format!(
        "valid: `{file}` ({what}) is signed by key {}; digest {digest}\ntrusted comment: {}\n",
        verified.key_id, verified.trusted_comment
    ))
}

/// What a signed file is and the Carel digest it carries: a bundle's `digest`, checked against
/// its content, or the digest a FHIR export records in its PlanDefinition's identifier.
fn content_digest(text: &str) -> Result<(&'static str, String), String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("it is not JSON: {e}"))?;
    if value.get("resourceType").and_then(|r| r.as_str()) == Some("Bundle") {
        return carel::fhir::digest_of_export(&value)
            .map(|d| ("FHIR export", d))
            .ok_or_else(|| "this FHIR Bundle is not a Carel export (no Carel digest)".to_string());
    }
    Bundle::from_json(text)
        .map(|b| ("bundle", b.digest))
        .map_err(|e| format!("it is not a usable bundle: {e}"))
}
