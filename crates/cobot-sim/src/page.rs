//! The two HTML pages a person sees: the sign-in/consent page and the authorization error page.
//! Small, honest about being a simulator, and usable by a WebDriver test (stable ids and names).

use crate::authorize::{AuthRequest, CARRIED};
use crate::state::{self, Site};

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What a scope lets the application do, in words.
fn describe(scope: &str) -> String {
    match scope {
        "openid" => "confirm who you are".into(),
        "email" => "see your email address".into(),
        "profile" => "see your name, picture and phone number".into(),
        "read_user" => "read your Cobot account and the spaces you belong to".into(),
        "read_memberships" => "read memberships".into(),
        "checkin" => "check you in and out".into(),
        "read_check_ins" => "read check-ins".into(),
        other => format!("use the “{other}” permission"),
    }
}

fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}}
.note{{font-size:.85rem;color:#666}} .error{{color:#a00;font-weight:600}}
form{{margin:.5rem 0}} button{{font-size:1rem;padding:.4rem .8rem}}
ul.scopes{{padding-left:1.2rem}} .users button{{width:100%;text-align:left;margin:.2rem 0}}
</style></head>
<body>
{body}
<p class="note">This is cobot-sim, a local stand-in for Cobot used in development and tests. No password is asked.</p>
</body></html>
"#,
        title = escape(title),
    )
}

/// Users offered as buttons on the sign-in page; with a bulk seed the rest sign in by email.
const PAGE_USERS: usize = 12;

/// The sign-in page: one button per seeded user (the first [`PAGE_USERS`]), an email field, and
/// Deny. Each form posts the
/// original authorization parameters back as hidden fields, plus `decision` and `user`.
pub(crate) fn sign_in(state: &state::State, req: &AuthRequest, error: Option<&str>, email: &str) -> String {
    let action = escape(&format!("{}/oauth/authorize", state.issuer_of(&req.site)));
    let hidden: String = CARRIED
        .iter()
        .filter_map(|name| req.params.get(name).map(|v| (name, v)))
        .map(|(name, value)| format!(r#"<input type="hidden" name="{name}" value="{}">"#, escape(value)))
        .collect();
    let heading = match &req.site {
        Site::Www => "Sign in to Cobot".to_string(),
        Site::Space(sub) => {
            let name = state.space(sub).map_or(sub.as_str(), |s| s.name.as_str());
            format!("Sign in to {name} on Cobot")
        }
    };
    let scopes: String = req
        .scopes
        .iter()
        .map(|s| format!("<li>{} <code>{}</code></li>", escape(&describe(s)), escape(s)))
        .collect();
    let users: String = state
        .seed
        .users
        .iter()
        .take(PAGE_USERS)
        .map(|u| {
            format!(
                r#"<form method="post" action="{action}">{hidden}<input type="hidden" name="decision" value="allow"><button type="submit" name="user" value="{id}" id="user-{id}">{name} <span class="note">{email}</span></button></form>"#,
                id = escape(&u.id),
                name = escape(&u.name),
                email = escape(&u.email),
            )
        })
        .collect();
    let more = state.seed.users.len().saturating_sub(PAGE_USERS);
    let users = if more > 0 {
        format!(r#"{users}<p class="note" id="more-users">{more} more accounts: sign in by email below.</p>"#)
    } else {
        users
    };
    let error = error
        .map(|e| format!(r#"<p class="error" id="error" role="alert">{}</p>"#, escape(e)))
        .unwrap_or_default();
    let body = format!(
        r#"<h1>{heading}</h1>
<p><strong>{client}</strong> wants to:</p>
<ul class="scopes">{scopes}</ul>
{error}
<h2>Continue as</h2>
<div class="users">{users}</div>
<form method="post" action="{action}" id="email-form">{hidden}<input type="hidden" name="decision" value="allow">
<label for="email">or email address</label>
<input type="email" id="email" name="email" value="{email}" autocomplete="email">
<button type="submit" id="allow">Allow</button></form>
<form method="post" action="{action}" id="deny-form">{hidden}<input type="hidden" name="decision" value="deny">
<button type="submit" id="deny">Deny</button></form>"#,
        heading = escape(&heading),
        client = escape(&req.client.name),
        email = escape(email),
    );
    layout(&heading, &body)
}

/// The page shown when the client or redirect URI cannot be trusted (nothing is redirected).
pub(crate) fn error(message: &str) -> String {
    let body = format!(
        r#"<h1>Sign-in cannot continue</h1>
<p class="error" id="error" role="alert">{}</p>
<p>The application that sent you here is misconfigured. Close this page and tell its developers.</p>"#,
        escape(message)
    );
    layout("Sign-in error", &body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping_neutralises_markup_and_attribute_quotes() {
        assert_eq!(
            super::escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
