//! Signed bundles: `carel keygen`, `carel build --sign`, `carel verify`; an independent
//! minisign verifier (the `minisign-verify` crate) accepts Carel's signatures, and a changed
//! byte, another key or a missing signature fails.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

const FLAGSHIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rulesets/lower_back_pain");

fn carel() -> Command {
    Command::cargo_bin("carel").unwrap()
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

/// A key pair `NAME.key` / `NAME.pub` in `dir`.
fn keygen(dir: &Path, name: &str) -> (String, String) {
    let base = path(dir, name);
    carel()
        .args(["keygen", &base])
        .env_remove("CAREL_SIGN_PASSWORD")
        .assert()
        .success()
        .stdout(predicate::str::contains("public key:"));
    (format!("{base}.key"), format!("{base}.pub"))
}

fn signed_build(dir: &Path, key: &str, format: &str, name: &str) -> String {
    let out = path(dir, name);
    carel()
        .args([
            "build", FLAGSHIP, "--format", format, "--sign", key, "-o", &out,
        ])
        .assert()
        .success();
    out
}

#[test]
fn a_signed_bundle_verifies_and_a_tampered_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let (sk, pk) = keygen(dir.path(), "team");
    let bundle = signed_build(dir.path(), &sk, "bundle", "lbp.json");
    let digest = carel::bundle::Bundle::from_json(&std::fs::read_to_string(&bundle).unwrap())
        .unwrap()
        .digest;
    carel()
        .args(["verify", &bundle, "--key", &pk])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("valid:").and(predicate::str::contains(digest.as_str())));

    // One changed byte inside a `because` text: the signature no longer matches.
    let text = std::fs::read_to_string(&bundle).unwrap();
    let tampered = text.replacen("avoid", "avoiD", 1);
    assert_ne!(tampered, text);
    std::fs::write(&bundle, &tampered).unwrap();
    carel()
        .args(["verify", &bundle, "--key", &pk])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("invalid:").and(predicate::str::contains("does not match")),
        );
}

#[test]
fn an_independent_minisign_verifier_accepts_the_signature() {
    let dir = tempfile::tempdir().unwrap();
    let (sk, pk) = keygen(dir.path(), "team");
    for (format, name) in [("bundle", "b.json"), ("fhir", "f.json")] {
        let file = signed_build(dir.path(), &sk, format, name);
        let bytes = std::fs::read(&file).unwrap();
        let sig_text = std::fs::read_to_string(format!("{file}.minisig")).unwrap();
        let key = minisign_verify::PublicKey::decode(&std::fs::read_to_string(&pk).unwrap())
            .expect("a minisign public key file");
        let sig = minisign_verify::Signature::decode(&sig_text).expect("a minisign signature");
        key.verify(&bytes, &sig, false)
            .expect("the independent verifier accepts it");
        assert!(
            sig.trusted_comment()
                .starts_with(&format!("carel {format} lower_back_pain "))
        );
        let mut changed = bytes.clone();
        let last = changed.len() - 2;
        changed[last] ^= 0x20;
        assert!(key.verify(&changed, &sig, false).is_err());
        // And `carel verify` accepts the FHIR export too, by the digest it records.
        carel()
            .args(["verify", &file, "--key", &pk])
            .assert()
            .code(0);
    }
}

#[test]
fn another_key_or_a_missing_signature_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let (sk, _) = keygen(dir.path(), "team");
    let (_, other_pk) = keygen(dir.path(), "other");
    let bundle = signed_build(dir.path(), &sk, "bundle", "lbp.json");
    carel()
        .args(["verify", &bundle, "--key", &other_pk])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not with this public key"));
    std::fs::remove_file(format!("{bundle}.minisig")).unwrap();
    let pk = format!("{}.pub", path(dir.path(), "team"));
    carel()
        .args(["verify", &bundle, "--key", &pk])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no readable signature"));
}

#[test]
fn a_signature_moved_to_another_bundle_is_invalid() {
    // Both files signed with the same key: each signature covers only its own bytes.
    let dir = tempfile::tempdir().unwrap();
    let (sk, pk) = keygen(dir.path(), "team");
    let a = signed_build(dir.path(), &sk, "bundle", "a.json");
    let f = signed_build(dir.path(), &sk, "fhir", "f.json");
    carel()
        .args([
            "verify",
            &a,
            "--key",
            &pk,
            "--signature",
            &format!("{f}.minisig"),
        ])
        .assert()
        .code(1);
}

#[test]
fn the_public_key_may_be_given_inline() {
    let dir = tempfile::tempdir().unwrap();
    let (sk, pk) = keygen(dir.path(), "team");
    let bundle = signed_build(dir.path(), &sk, "bundle", "lbp.json");
    let inline = std::fs::read_to_string(&pk)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    carel()
        .args(["verify", &bundle, "--key", &inline])
        .assert()
        .code(0);
}

#[test]
fn usage_errors_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (sk, pk) = keygen(dir.path(), "team");
    // --sign needs an output file.
    carel()
        .args(["build", FLAGSHIP, "--sign", &sk])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("-o FILE"));
    // A key that is not a secret key leaves the existing output alone.
    let out = path(dir.path(), "lbp.json");
    std::fs::write(&out, "old").unwrap();
    carel()
        .args(["build", FLAGSHIP, "--sign", &pk, "-o", &out])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("secret key"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
    assert!(!Path::new(&format!("{out}.minisig")).exists());
    // Keys are never overwritten.
    carel()
        .args(["keygen", &path(dir.path(), "team")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    // verify: unreadable bundle or key.
    carel()
        .args(["verify", &path(dir.path(), "none.json"), "--key", &pk])
        .assert()
        .code(2);
    carel()
        .args(["verify", &out, "--key", "not-a-key"])
        .assert()
        .code(2);
}

#[cfg(unix)]
#[test]
fn the_secret_key_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (sk, _) = keygen(dir.path(), "team");
    let mode = std::fs::metadata(&sk).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
