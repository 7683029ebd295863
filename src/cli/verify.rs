//! `carel verify FILE --key PUBLIC_KEY [--signature SIG]`: check a built file's minisign
//! signature and, for a bundle, its digest. Exit 0 when valid, 1 when not (a missing or
//! non-matching signature, a changed bundle), 2 when the files or key cannot be read.

use std::path::Path;

use super::{FAILED, OK, USAGE, build, load, output};
use carel::bundle::Bundle;
use carel::sign;

/// Bundles of real rulesets are well under a megabyte; as for `carel eval`.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

pub fn run(file: &str, key: &str, signature: Option<&str>) -> u8 {
    let bytes = match load::read_limited(Path::new(file), file, MAX_FILE_BYTES, "a bundle") {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return USAGE;
        }
    };
    // `--key` names a public key file, or is the base64 key itself (as `minisign -P` takes it).
    let key_text = if Path::new(key).exists() {
        match build::read_key_file(key, "a minisign public key") {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                return USAGE;
            }
        }
    } else {
        key.to_string()
    };
    let public_key = match sign::public_key(&key_text) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: `{key}` is neither a readable key file nor a public key: {e}");
            return USAGE;
        }
    };
    let sig_file = signature.map_or_else(
        || format!("{file}{}", sign::SIGNATURE_SUFFIX),
        str::to_string,
    );
    let sig_text =
        match load::read_limited(Path::new(&sig_file), &sig_file, 64 * 1024, "a signature") {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                eprintln!("invalid: `{file}` has no readable signature: {}", e.0);
                return FAILED;
            }
        };
    let verified = match sign::verify(&bytes, &sig_text, &public_key) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("invalid: `{file}`: {e}");
            return FAILED;
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let (what, digest) = match content_digest(&text) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("invalid: `{file}` is signed, but {e}");
            return FAILED;
        }
    };
    match sign::digest_in(&verified.trusted_comment) {
        Some(signed) if signed == digest => {}
        Some(signed) => {
            eprintln!(
                "invalid: `{file}` is signed for digest {signed}, but its content has digest {digest}"
            );
            return FAILED;
        }
        None => {
            eprintln!(
                "invalid: the signature of `{file}` does not name a Carel digest (trusted comment: \"{}\")",
                verified.trusted_comment
            );
            return FAILED;
        }
    }
    let message = format!(
        "valid: `{file}` ({what}) is signed by key {}; digest {digest}\ntrusted comment: {}\n",
        verified.key_id, verified.trusted_comment
    );
    let _ = output::stdout(message.as_bytes());
    OK
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
