//! RFC 8252 §7.3 loopback redirect: the desktop fallback when the `frontdoor://` scheme cannot
//! be registered or forwarded. The app listens on `127.0.0.1` on a port the OS picks, uses
//! `http://127.0.0.1:<port>/auth/callback` as the redirect URI, and takes exactly one callback.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

use crate::links::{Callback, LinkError};

/// Path of the callback on the loopback listener.
pub const CALLBACK_PATH: &str = "/auth/callback";
const MAX_REQUEST: usize = 8192;

/// A listener waiting for the browser to come back.
#[derive(Debug)]
pub struct LoopbackRedirect {
    listener: TcpListener,
    redirect_uri: Url,
}

impl LoopbackRedirect {
    /// Binds `127.0.0.1:0`.
    pub async fn bind() -> std::io::Result<LoopbackRedirect> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let redirect_uri = Url::parse(&format!("http://127.0.0.1:{port}{CALLBACK_PATH}")).expect("valid URL");
        Ok(LoopbackRedirect { listener, redirect_uri })
    }

    /// The redirect URI to send in the authorization request.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Waits for the callback. Requests for other paths (a browser's favicon, a port scanner) get
    /// a 404 and the wait goes on; the first request to the callback path ends it, and the browser
    /// is told in words to return to the app.
    pub async fn callback(self) -> std::io::Result<Result<Callback, LinkError>> {
        loop {
            let (mut stream, _) = self.listener.accept().await?;
            let mut buf = Vec::with_capacity(1024);
            let mut chunk = [0u8; 1024];
            // Read until the end of the request line and headers, bounded.
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < MAX_REQUEST {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let text = String::from_utf8_lossy(&buf);
            let target = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("GET "))
                .and_then(|l| l.split(' ').next())
                .unwrap_or("");
            let Ok(url) = Url::parse(&format!("http://127.0.0.1{target}")) else {
                respond(&mut stream, "400 Bad Request", "This is not a sign-in answer.").await;
                continue;
            };
            if url.path() != CALLBACK_PATH {
                respond(&mut stream, "404 Not Found", "Nothing here.").await;
                continue;
            }
            let result = Callback::from_url(&url);
            let message = match &result {
                Ok(Callback::Code { .. }) => {
                    "Frontdoor received your sign-in. You can close this tab and return to the app."
                }
                Ok(Callback::Error { .. }) => "Sign-in was not completed. Return to Frontdoor to see why.",
                Err(_) => "This sign-in answer could not be read. Return to Frontdoor and try again.",
            };
            respond(&mut stream, "200 OK", message).await;
            return Ok(result);
        }
    }
}

async fn respond(stream: &mut tokio::net::TcpStream, status: &str, message: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Frontdoor</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>Frontdoor</h1><p>{message}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
