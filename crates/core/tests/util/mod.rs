//! Builders shared by core's integration tests: a JWKS server on 127.0.0.1:0 and a token minter.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;

pub const ISSUER: &str = "https://lighthouse.cobot.me";
pub const CLIENT: &str = "frontdoor-app";
pub const NOW: i64 = 1_800_000_000;

/// An RSA key with its kid.
pub struct Key {
    pub kid: String,
    pub private: RsaPrivateKey,
}

impl Key {
    pub fn generate(kid: &str) -> Key {
        let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("RSA key");
        Key {
            kid: kid.into(),
            private,
        }
    }

    pub fn jwk(&self) -> Value {
        let public = self.private.to_public_key();
        json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
               "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
               "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be())})
    }

    /// Signs `claims` with RS256 under this key's kid.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let input = format!("{}.{}", b64(&header), b64(claims));
        let signature = SigningKey::<Sha256>::new(self.private.clone())
            .sign(input.as_bytes())
            .to_vec();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// The public key as PKCS#1 DER, as an attacker would find it in the JWKS.
    pub fn public_der(&self) -> Vec<u8> {
        use rsa::pkcs1::EncodeRsaPublicKey;
        self.private
            .to_public_key()
            .to_pkcs1_der()
            .expect("DER")
            .as_bytes()
            .to_vec()
    }
}

pub fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// Good claims for `nonce`, issued at [`NOW`].
pub fn claims(nonce: &str) -> Value {
    json!({"iss": ISSUER, "sub": "user-alex", "aud": CLIENT, "iat": NOW, "exp": NOW + 3600,
           "nonce": nonce, "email": "alex@example.com"})
}

/// Serves a JWKS that tests can change, counting fetches.
pub struct JwksServer {
    pub url: Url,
    pub keys: Arc<Mutex<Vec<Value>>>,
    pub fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    pub async fn start(keys: Vec<Value>) -> JwksServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/jwks.json", listener.local_addr().unwrap())).unwrap();
        let keys = Arc::new(Mutex::new(keys));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (k, f) = (keys.clone(), fetches.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                f.fetch_add(1, Ordering::SeqCst);
                let body = json!({"keys": *k.lock().unwrap()}).to_string();
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            }
        });
        JwksServer { url, keys, fetches }
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

/// An HTTP client that does not follow redirects, so tests read `Location` themselves.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
