//! Verifying the bearer JWT a CDS Client sends (CDS Hooks 2.0 "Trusting CDS Clients").
//!
//! The client signs a short-lived JWT with its private key (ES384 or RS384) and sends it as
//! `Authorization: Bearer …`. The service checks the signature against the client's public keys
//! (a JWK Set given with `--jwks FILE`), the algorithm, `exp`, and that `aud` is the URL of the
//! service endpoint called (or one of the audiences configured). `iss`, `sub` and `jti` must be
//! present; the issuer is logged.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;

/// The keys of the trusted clients.
pub struct Verifier {
    keys: Vec<(Option<String>, Algorithm, DecodingKey)>,
    /// Audiences accepted besides the endpoint's own URL.
    audiences: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Claims {
    pub iss: String,
    #[allow(dead_code)]
    pub sub: String,
    #[allow(dead_code)]
    pub jti: String,
}

impl Verifier {
    /// Read a JWK Set. Only EC P-384 and RSA keys are taken (ES384, RS384); a key marked for
    /// another algorithm is refused, and so is a set with no usable key.
    pub fn from_jwks(text: &str, audiences: Vec<String>) -> Result<Verifier, String> {
        let set: JwkSet = serde_json::from_str(text).map_err(|e| format!("not a JWK Set: {e}"))?;
        let mut keys = Vec::new();
        for (i, jwk) in set.keys.iter().enumerate() {
            use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve};
            let alg = match &jwk.algorithm {
                AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P384 => {
                    Algorithm::ES384
                }
                AlgorithmParameters::RSA(_) => Algorithm::RS384,
                _ => {
                    return Err(format!(
                        "key {} of the JWK Set is neither an EC P-384 nor an RSA key (CDS Hooks \
                         clients sign with ES384 or RS384)",
                        i + 1
                    ));
                }
            };
            if let Some(declared) = jwk.common.key_algorithm {
                let ok = matches!(
                    (declared, alg),
                    (jsonwebtoken::jwk::KeyAlgorithm::ES384, Algorithm::ES384)
                        | (jsonwebtoken::jwk::KeyAlgorithm::RS384, Algorithm::RS384)
                );
                if !ok {
                    return Err(format!(
                        "key {} of the JWK Set is for {declared:?}; only ES384 and RS384 are accepted",
                        i + 1
                    ));
                }
            }
            let key = DecodingKey::from_jwk(jwk)
                .map_err(|e| format!("key {} of the JWK Set cannot be used: {e}", i + 1))?;
            keys.push((jwk.common.key_id.clone(), alg, key));
        }
        if keys.is_empty() {
            return Err("the JWK Set has no keys".to_string());
        }
        Ok(Verifier { keys, audiences })
    }

    /// Check the `Authorization` header for a request to `endpoint` (the service's URL).
    /// `Ok` gives the token's issuer.
    pub fn check(&self, authorization: Option<&str>, endpoint: &str) -> Result<String, String> {
        let header = authorization.ok_or("no Authorization header: a bearer JWT is required")?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or("the Authorization header is not `Bearer <JWT>`")?
            .trim();
        let head = decode_header(token).map_err(|e| format!("not a JWT: {e}"))?;
        if !matches!(head.alg, Algorithm::ES384 | Algorithm::RS384) {
            return Err(format!(
                "the JWT is signed with {:?}; only ES384 and RS384 are accepted",
                head.alg
            ));
        }
        let mut audiences = vec![endpoint.to_string()];
        audiences.extend(self.audiences.iter().cloned());
        let mut last = "no key of the JWK Set matches the JWT".to_string();
        for (kid, alg, key) in &self.keys {
            if *alg != head.alg || (head.kid.is_some() && kid.is_some() && head.kid != *kid) {
                continue;
            }
            let mut v = Validation::new(*alg);
            v.set_audience(&audiences);
            v.set_required_spec_claims(&["exp", "aud", "iss"]);
            v.leeway = 30;
            match decode::<Claims>(token, key, &v) {
                Ok(data) => return Ok(data.claims.iss),
                Err(e) => last = format!("the JWT is not valid: {e}"),
            }
        }
        Err(last)
    }
}
