// Independent OpenID Connect peer for Frontdoor integration tests.
//
// Runs the certified `oidc-provider` package (panva) on 127.0.0.1 with an
// OS-chosen port. When ready, prints exactly one line to stdout:
//
//     READY http://127.0.0.1:<port>
//
// and keeps running until stdin reaches EOF (so a crashed test process does
// not leave it behind), or until SIGTERM/SIGINT. Diagnostics go to stderr.
//
// Interactions are non-interactive: GET /interaction/:uid logs in the account
// named by the authorization request's `login_hint` (default "alice") and
// grants every requested scope/claim, then 303-redirects back to the
// provider, which redirects to the client's redirect_uri with `code`,
// `state` and `iss`. `login_hint=deny` makes the "user" refuse instead
// (redirect_uri?error=access_denied...). See README.md for the exact sequence.

import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider from 'oidc-provider';

const HOST = '127.0.0.1';
const CLIENT_SECRET = 'peer-hub-secret';
const CLIENT_ID = 'frontdoor-app';
const DEFAULT_ACCOUNT = 'alice';
const DENY_HINT = 'deny';

function log(...args) {
  process.stderr.write(`[oidc-peer] ${args.join(' ')}\n`);
}

// Exit when the parent goes away: stdin EOF / close, or termination signals.
// The spawner must therefore give us a pipe as stdin and hold its write end
// (with stdin from /dev/null we would exit at once). PEER_IGNORE_STDIN=1
// disables this for manual runs in the background.
if (process.env.PEER_IGNORE_STDIN !== '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

// Fresh RS256 signing key per run.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `peer-${crypto.randomBytes(6).toString('hex')}`,
  alg: 'RS256',
  use: 'sig',
};

// Bind first so the issuer can contain the OS-chosen port.
let providerCallback = null;
const server = http.createServer((req, res) => {
  if (!providerCallback) {
    res.statusCode = 503;
    res.end();
    return;
  }
  providerCallback(req, res);
});
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, HOST, resolve);
});
const { port } = server.address();
const issuer = `http://${HOST}:${port}`;

const configuration = {
  clients: [
    {
      // Frontdoor's hub is a confidential client, as every Cobot integration registers one.
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      application_type: 'native',
      token_endpoint_auth_method: 'client_secret_post',
      redirect_uris: ['https://hub.example/auth/callback', 'frontdoor://auth/callback', 'http://127.0.0.1/auth/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [signingJwk] },
  // Plain-http loopback: cookies get `Secure` only when the request is https
  // (ctx.secure), so nothing special is needed for http://127.0.0.1. The
  // long-lived session cookie defaults to SameSite=None in v8; use Lax so no
  // cookie store has a reason to drop it for lacking `Secure`.
  cookies: {
    keys: [crypto.randomBytes(32).toString('base64url')],
    long: { httpOnly: true, sameSite: 'lax', signed: true },
    short: { httpOnly: true, sameSite: 'lax', signed: true },
  },
  responseTypes: ['code'],
  scopes: ['openid', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Put scope-derived claims (email, name) into the ID Token itself, not only
  // into the userinfo response.
  conformIdTokenClaims: false,
  // PKCE is required for public clients (token_endpoint_auth_method "none")
  // by default, S256 only. Made explicit here.
  pkce: { methods: ['S256'], required: () => true },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    revocation: { enabled: true },
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    Grant: 3600,
    IdToken: 3600,
    Interaction: 600,
    Session: 3600,
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@example.com`,
          email_verified: true,
          name: `Peer ${id}`,
        };
      },
    };
  },
  async renderError(ctx, out, error) {
    log('renderError:', JSON.stringify(out), error?.message ?? '');
    ctx.type = 'json';
    ctx.body = out;
  },
};

const provider = new Provider(issuer, configuration);

// oidc-provider enforces RFC 8252 section 7.1 strictly: a native client's
// private-use URI scheme must be reverse-domain style (contain a "."), so
// `frontdoor://auth/callback` would be rejected as invalid_redirect_uri
// ("redirect_uris for native clients using Custom URI scheme should use
// reverse domain name based scheme"). Relax only that one check (the client
// schema is validated lazily, on first use, so patching here is in time).
// Set PEER_STRICT_REDIRECT_SCHEME=1 to keep the upstream behaviour.
if (process.env.PEER_STRICT_REDIRECT_SCHEME !== '1') {
  const { prototype } = provider.Client.Schema;
  const upstreamInvalidate = prototype.invalidate;
  prototype.invalidate = function invalidate(message, code) {
    if (typeof message === 'string' && message.includes('should use reverse domain name based scheme')) {
      return;
    }
    upstreamInvalidate.call(this, message, code);
  };
}

provider.on('server_error', (ctx, err) => log('server_error:', err?.stack ?? err));

function requestedClaims(claimsParam) {
  if (!claimsParam) return [];
  try {
    const parsed = typeof claimsParam === 'string' ? JSON.parse(claimsParam) : claimsParam;
    return [...new Set([
      ...Object.keys(parsed.id_token ?? {}),
      ...Object.keys(parsed.userinfo ?? {}),
    ])];
  } catch {
    return [];
  }
}

// Non-interactive interaction endpoint: login + consent in a single step.
async function handleInteraction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { params, prompt, session } = details;
  const hint = typeof params.login_hint === 'string' && params.login_hint !== ''
    ? params.login_hint
    : undefined;

  if (hint === DENY_HINT) {
    log(`interaction ${details.uid}: denying (login_hint=${DENY_HINT})`);
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User denied the authorization request',
    }, { mergeWithLastSubmission: false });
    return;
  }

  const accountId = hint ?? session?.accountId ?? DEFAULT_ACCOUNT;

  // Switching accounts inside one provider session would make oidc-provider
  // answer the resume step with an HTML auto-submit "log out first" form
  // (POST /session/end/confirm), which a JavaScript-less client cannot use.
  // Fail clearly instead: use a fresh cookie jar per signed-in account.
  if (session?.accountId && session.accountId !== accountId) {
    log(`interaction ${details.uid}: refusing account switch ${session.accountId} -> ${accountId}`);
    res.statusCode = 409;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({
      error: 'account_switch_unsupported',
      error_description: `this cookie jar is already signed in as "${session.accountId}"; use a fresh cookie jar to sign in as "${accountId}"`,
    }));
    return;
  }

  let grant;
  if (details.grantId) {
    grant = await provider.Grant.find(details.grantId);
  }
  if (!grant || grant.accountId !== accountId) {
    grant = new provider.Grant({ accountId, clientId: params.client_id });
  }
  if (params.scope) grant.addOIDCScope(String(params.scope));
  const claims = requestedClaims(params.claims);
  if (claims.length) grant.addOIDCClaims(claims);
  const missingResourceScopes = prompt?.details?.missingResourceScopes ?? {};
  for (const [indicator, scopes] of Object.entries(missingResourceScopes)) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();

  log(`interaction ${details.uid}: prompt=${prompt?.name} -> login ${accountId}, grant ${grantId}`);
  await provider.interactionFinished(req, res, {
    login: { accountId },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

const providerHandler = provider.callback();
providerCallback = (req, res) => {
  const { pathname } = new URL(req.url, issuer);
  if (req.method === 'GET' && /^\/interaction\/[^/]+$/.test(pathname)) {
    handleInteraction(req, res).catch((err) => {
      log('interaction error:', err?.stack ?? err);
      if (!res.headersSent) {
        res.statusCode = 400;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ error: err?.name ?? 'error', error_description: err?.message ?? String(err) }));
      } else {
        res.end();
      }
    });
    return;
  }
  providerHandler(req, res);
};

process.stdout.write(`READY ${issuer}\n`);
log(`listening on ${issuer} (client_id=${CLIENT_ID})`);
