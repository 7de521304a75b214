//! The hub serving https itself (`[hub] tls`), proven with a throwaway CA: a client that trusts
//! the CA is served, one that does not is refused, plain http gets no answer, unusable files are
//! named, and a client that never says hello holds no one up.

use std::path::{Path, PathBuf};
use std::time::Duration;

use frontdoor_hub::base::config::TlsConfig;
use frontdoor_hub::{Config, RunningHub, Setup};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
use serde_json::Value;
use url::Url;

/// A CA made for this test, and a certificate for 127.0.0.1 and localhost it signed, as files.
struct Pki {
    dir: tempfile::TempDir,
    ca_pem: String,
    cert: PathBuf,
    key: PathBuf,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Frontdoor test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

    let mut leaf_params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "frontdoor-hub test");
    leaf_params.use_authority_key_identifier_extension = true;
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("chain.pem");
    let key = dir.path().join("key.pem");
    // The chain as servers usually hold it: the leaf, then the CA.
    std::fs::write(&cert, format!("{}{}", leaf.pem(), ca.pem())).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    Pki {
        dir,
        ca_pem: ca.pem(),
        cert,
        key,
    }
}

fn config_with_tls(cert: &Path, key: &Path) -> Config {
    let mut config = Config::demo(&Url::parse("http://127.0.0.1:9").unwrap());
    config.hub.tls = Some(TlsConfig {
        cert: cert.to_owned(),
        key: key.to_owned(),
    });
    config
}

async fn start(pki: &Pki) -> RunningHub {
    match frontdoor_hub::spawn_with(
        config_with_tls(&pki.cert, &pki.key),
        Setup::detached(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    {
        Ok(hub) => hub,
        Err(e) => panic!("the hub did not start with TLS: {e}"),
    }
}

/// A client that trusts the test CA and nothing else.
fn trusting(pki: &Pki) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap())
        .tls_built_in_root_certs(false)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// A client with the system's trust and none of the test CA, as a stranger's browser.
fn untrusting() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn describe(client: &reqwest::Client, base: &Url) -> Value {
    let response = client.get(base.join("api/v1/hub").unwrap()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The error and all its sources, in one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[tokio::test]
async fn a_client_trusting_the_ca_is_served_over_https() {
    let pki = pki();
    let mut hub = start(&pki).await;
    assert_eq!(hub.base_url.scheme(), "https");
    assert_eq!(hub.base_url.as_str(), format!("https://{}/", hub.addr));
    assert_eq!(hub.hub.public_base(), hub.base_url);

    let about = describe(&trusting(&pki), &hub.base_url).await;
    assert_eq!(about["product"], "frontdoor-hub", "{about}");
    hub.stop().await;
}

#[tokio::test]
async fn a_client_without_the_ca_is_refused() {
    let pki = pki();
    let mut hub = start(&pki).await;
    let client = untrusting();
    let e = client
        .get(hub.base_url.join("api/v1/hub").unwrap())
        .send()
        .await
        .expect_err("a certificate from an unknown CA must not be accepted");
    let text = chain(&e).to_lowercase();
    assert!(
        text.contains("certificate") || text.contains("issuer"),
        "not a TLS/certificate error: {text}"
    );
    hub.stop().await;
}

#[tokio::test]
async fn plain_http_to_the_tls_port_gets_no_hub_answer() {
    let pki = pki();
    let mut hub = start(&pki).await;
    let client = untrusting();
    let plain = format!("http://{}/api/v1/hub", hub.addr);
    match client.get(&plain).send().await {
        Err(_) => {}
        Ok(response) => {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            assert!(
                !status.is_success() && !body.contains("frontdoor-hub"),
                "plain http was answered: {status} {body}"
            );
        }
    }
    // The port still serves https afterwards.
    let about = describe(&trusting(&pki), &hub.base_url).await;
    assert_eq!(about["product"], "frontdoor-hub");
    hub.stop().await;
}

#[tokio::test]
async fn a_silent_connection_does_not_hold_up_others() {
    let pki = pki();
    let mut hub = start(&pki).await;
    // Connects and never sends a ClientHello (the handshake limit is 10 s; the client below
    // gives up after 5).
    let silent = tokio::net::TcpStream::connect(hub.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let about = describe(&trusting(&pki), &hub.base_url).await;
    assert_eq!(about["product"], "frontdoor-hub");
    drop(silent);
    hub.stop().await;
}

async fn start_error(config: Config) -> String {
    match frontdoor_hub::spawn_with(config, Setup::detached(), "127.0.0.1:0".parse().unwrap()).await {
        Ok(_) => panic!("the hub started with an unusable certificate or key"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn unusable_files_are_named() {
    let pki = pki();
    let missing = pki.dir.path().join("missing.pem");
    let e = start_error(config_with_tls(&missing, &pki.key)).await;
    assert!(e.contains(&missing.display().to_string()), "{e}");
    assert!(e.contains("certificate file"), "{e}");

    let missing_key = pki.dir.path().join("missing-key.pem");
    let e = start_error(config_with_tls(&pki.cert, &missing_key)).await;
    assert!(
        e.contains(&missing_key.display().to_string()) && e.contains("key file"),
        "{e}"
    );

    let not_pem = pki.dir.path().join("not-pem.txt");
    std::fs::write(&not_pem, "hello\n").unwrap();
    let e = start_error(config_with_tls(&not_pem, &pki.key)).await;
    assert_eq!(
        e,
        format!("the certificate file {} has no PEM certificate", not_pem.display())
    );

    // The chain given as the key.
    let e = start_error(config_with_tls(&pki.cert, &pki.cert)).await;
    assert!(
        e.starts_with(&format!("the key file {} holds no private key", pki.cert.display())),
        "{e}"
    );

    // A key that does not belong to the certificate.
    let other_key = pki.dir.path().join("other-key.pem");
    std::fs::write(&other_key, KeyPair::generate().unwrap().serialize_pem()).unwrap();
    let e = start_error(config_with_tls(&pki.cert, &other_key)).await;
    assert!(
        e.contains(&other_key.display().to_string()) && e.contains("cannot be used together"),
        "{e}"
    );
}
