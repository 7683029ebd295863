//! Detached signatures for bundles, in the minisign format.
//!
//! A signature is a minisign signature file (Ed25519 over the BLAKE2b-512 hash of the file's
//! exact bytes), so anyone can check a bundle with the `minisign` tool or any library that
//! reads the format, without Carel. The signed *trusted comment* names what was signed:
//! `carel bundle NAME VERSION sha256:DIGEST` (or `carel fhir …` for the FHIR export), and
//! [`verify`] checks that the digest it names is the bundle's own.
//!
//! Keys are minisign keys: `carel keygen` makes a pair, and keys made by `minisign -G` work
//! too. A secret key protected by a password is opened with the password given by the caller
//! (the command line reads it from `CAREL_SIGN_PASSWORD`); nothing here ever prompts.
//!
//! No file IO: callers pass texts and bytes.

use std::io::Cursor;

use minisign::{KeyPair, PublicKey, PublicKeyBox, SecretKeyBox, SignatureBox};

/// The file name suffix of a detached signature: `bundle.json` → `bundle.json.minisig`.
pub const SIGNATURE_SUFFIX: &str = ".minisig";

/// A new key pair as the texts of the secret and public key files.
pub struct NewKeys {
    pub secret: String,
    pub public: String,
    /// The public key alone (base64), as `minisign -P` and `carel verify --key` take it.
    pub public_base64: String,
}

/// Make a key pair. With a password the secret key is encrypted with it (scrypt, as minisign
/// does, which takes a second or two); without, the secret key file must be kept private.
pub fn generate(password: Option<&str>) -> Result<NewKeys, String> {
    let failed = |e: minisign::PError| format!("could not make a key pair: {e}");
    let pair = match password {
        Some(p) => KeyPair::generate_encrypted_keypair(Some(p.to_string())).map_err(failed)?,
        None => KeyPair::generate_unencrypted_keypair().map_err(failed)?,
    };
    let comment = if password.is_some() {
        "carel secret key (password protected)"
    } else {
        "carel secret key (no password: keep this file private)"
    };
    let secret = pair.sk.to_box(Some(comment)).map_err(failed)?.into_string();
    let public_base64 = pair.pk.to_base64();
    let public = pair.pk.to_box().map_err(failed)?.into_string().replacen(
        "minisign public key",
        "carel public key",
        1,
    );
    Ok(NewKeys {
        secret,
        public,
        public_base64,
    })
}

/// Sign `bytes` with the secret key in `secret_key` (the text of a minisign secret key file).
/// `trusted_comment` becomes part of what is signed. Returns the text of the signature file.
pub fn sign(
    bytes: &[u8],
    secret_key: &str,
    password: Option<&str>,
    trusted_comment: &str,
) -> Result<String, String> {
    let sk_box = SecretKeyBox::from_string(secret_key.trim())
        .map_err(|e| format!("not a minisign secret key: {e}"))?;
    let encrypted = SecretKeyBox::from_string(secret_key.trim())
        .and_then(|b| b.into_unencrypted_secret_key())
        .is_err();
    let sk = match (encrypted, password) {
        (false, _) => sk_box
            .into_unencrypted_secret_key()
            .map_err(|e| format!("the secret key cannot be read: {e}"))?,
        (true, Some(p)) => sk_box
            .into_secret_key(Some(p.to_string()))
            .map_err(|e| format!("the secret key cannot be opened: {e}"))?,
        (true, None) => {
            return Err(
                "the secret key is protected by a password (or damaged): set CAREL_SIGN_PASSWORD to its password"
                    .to_string(),
            );
        }
    };
    if trusted_comment.contains(['\n', '\r']) {
        return Err("a trusted comment must be one line".to_string());
    }
    let untrusted = "signature from carel secret key";
    minisign::sign(
        None,
        &sk,
        Cursor::new(bytes),
        Some(trusted_comment),
        Some(untrusted),
    )
    .map(|s| s.into_string())
    .map_err(|e| format!("could not sign: {e}"))
}

/// What a valid signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The signed trusted comment.
    pub trusted_comment: String,
    /// The key id, as minisign prints it (16 uppercase hex digits).
    pub key_id: String,
}

/// Read a public key: the text of a minisign public key file, or the base64 key alone.
pub fn public_key(text: &str) -> Result<PublicKey, String> {
    let text = text.trim();
    let key = if text.lines().count() >= 2 {
        PublicKeyBox::from_string(text).and_then(|b| b.into_public_key())
    } else {
        PublicKey::from_base64(text)
    };
    key.map_err(|e| format!("not a minisign public key: {e}"))
}

/// Check a detached signature over `bytes`. `Err` says why it is not valid.
pub fn verify(bytes: &[u8], signature: &str, public_key: &PublicKey) -> Result<Verified, String> {
    let sig = SignatureBox::from_string(signature)
        .map_err(|e| format!("not a minisign signature: {e}"))?;
    let key_id = key_id(sig.keynum());
    let expected = key_id_of(public_key);
    if key_id != expected {
        return Err(format!(
            "the signature was made with key {key_id}, not with this public key ({expected})"
        ));
    }
    minisign::verify(public_key, &sig, Cursor::new(bytes), true, false, false)
        .map_err(|e| format!("the signature does not match: {e}"))?;
    let trusted_comment = sig
        .trusted_comment()
        .map_err(|e| format!("the signature has no trusted comment: {e}"))?;
    Ok(Verified {
        trusted_comment,
        key_id,
    })
}

/// The key id of a public key, as minisign prints it.
pub fn key_id_of(public_key: &PublicKey) -> String {
    key_id(public_key.keynum())
}

fn key_id(keynum: &[u8]) -> String {
    // minisign prints the 8-byte key number as a little-endian integer.
    keynum.iter().rev().map(|b| format!("{b:02X}")).collect()
}

/// The trusted comment Carel signs for a file built from a bundle.
pub fn trusted_comment(kind: &str, name: &str, version: &str, digest: &str) -> String {
    let clean = |s: &str| s.replace(['\n', '\r', ' '], "_");
    format!("carel {kind} {} {} {digest}", clean(name), clean(version))
}

/// The digest a trusted comment made by [`trusted_comment`] names, if any.
pub fn digest_in(trusted_comment: &str) -> Option<&str> {
    let mut words = trusted_comment.split(' ');
    (words.next() == Some("carel"))
        .then(|| words.nth(3))
        .flatten()
        .filter(|d| d.starts_with("sha256:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_changed_byte_does_not() {
        let keys = generate(None).unwrap();
        let data = b"{\"format\": \"carel.bundle\"}\n";
        let comment = trusted_comment("bundle", "lbp", "1.0", "sha256:abc");
        let sig = sign(data, &keys.secret, None, &comment).unwrap();
        let pk = public_key(&keys.public).unwrap();
        let ok = verify(data, &sig, &pk).unwrap();
        assert_eq!(ok.trusted_comment, "carel bundle lbp 1.0 sha256:abc");
        assert_eq!(digest_in(&ok.trusted_comment), Some("sha256:abc"));
        // The base64 key alone works as well as the file.
        let pk2 = public_key(&keys.public_base64).unwrap();
        assert_eq!(ok, verify(data, &sig, &pk2).unwrap());
        let mut changed = data.to_vec();
        changed[3] ^= 1;
        let err = verify(&changed, &sig, &pk).unwrap_err();
        assert!(err.contains("does not match"), "{err}");
        // Another key pair's public key is refused by key id.
        let other = generate(None).unwrap();
        let err = verify(data, &sig, &public_key(&other.public).unwrap()).unwrap_err();
        assert!(err.contains("not with this public key"), "{err}");
    }

    #[test]
    fn a_changed_trusted_comment_is_refused() {
        let keys = generate(None).unwrap();
        let data = b"x";
        let sig = sign(data, &keys.secret, None, "carel bundle a 1 sha256:00").unwrap();
        let forged = sig.replace("sha256:00", "sha256:01");
        assert_ne!(forged, sig);
        let pk = public_key(&keys.public).unwrap();
        assert!(verify(data, &forged, &pk).is_err());
    }

    #[test]
    fn bad_keys_and_signatures_are_explained() {
        assert!(public_key("hello").unwrap_err().contains("public key"));
        assert!(
            sign(b"x", "nonsense", None, "c")
                .unwrap_err()
                .contains("secret key")
        );
        let keys = generate(None).unwrap();
        let pk = public_key(&keys.public).unwrap();
        assert!(
            verify(b"x", "garbage", &pk)
                .unwrap_err()
                .contains("signature")
        );
        assert!(
            sign(b"x", &keys.secret, None, "two\nlines")
                .unwrap_err()
                .contains("one line")
        );
    }

    #[test]
    fn a_password_protected_key_needs_its_password() {
        let keys = generate(Some("correct horse")).unwrap();
        let err = sign(b"x", &keys.secret, None, "c").unwrap_err();
        assert!(err.contains("CAREL_SIGN_PASSWORD"), "{err}");
        assert!(sign(b"x", &keys.secret, Some("wrong"), "c").is_err());
        let sig = sign(b"x", &keys.secret, Some("correct horse"), "c").unwrap();
        assert!(verify(b"x", &sig, &public_key(&keys.public).unwrap()).is_ok());
    }

    #[test]
    fn digest_in_reads_only_carel_comments() {
        assert_eq!(digest_in("timestamp:123"), None);
        assert_eq!(digest_in("carel bundle a 1"), None);
        assert_eq!(digest_in("carel fhir a 1 sha256:ff"), Some("sha256:ff"));
    }
}
