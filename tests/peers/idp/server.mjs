// The runas test identity provider: node-oidc-provider 9.13.3 (OpenID Certified) on 127.0.0.1
// only, issuer http://127.0.0.1:$IDP_PORT. For tests; never for real users.
//
// Environment knobs:
//   IDP_PORT                 listen port (default 9400)
//   IDP_JWKS                 private JWKS file; one RS256 key is generated into it when missing
//                            (default ../run/jwks.json; the Rust harness uses a per-run temp dir)
//   IDP_AUTO_LOGIN=<user>    no HTML forms: every login/consent interaction signs in as <user>
//                            and grants what was asked, so following redirects with a cookie jar
//                            completes a browser flow
//   IDP_ALWAYS_RT=1          issue a refresh token on every code/device grant of a client allowed
//                            to refresh, even when offline_access was dropped (it is, unless the
//                            request says prompt=consent)
//   IDP_ID_TOKEN_TTL         id_token lifetime in seconds (default 3600)
//   IDP_AT_TTL               access token lifetime in seconds (default 3600)
//   IDP_EXTRA_REDIRECT_URIS  comma-separated redirect URIs added to both clients (the
//                            confidential client is a web client and needs exact matches)
//   IDP_CLOCK_SKEW_SECONDS   the clock ID tokens are signed by is this many seconds off
//                            (negative: behind), so their iat/exp are (default 0); the rest
//                            of the IdP keeps the real clock (see below)
//   IDP_DEVICE_APPROVER=cmd  after each device authorization, run `cmd VERIFICATION_URI_COMPLETE`
//                            with BROWSER_MODE=device (tests/browser/browser.py approves it): the
//                            person's second device, for the demo, where nobody else would
//   PEER_IGNORE_STDIN=1      keep running at stdin EOF (for starting it by hand in background)
//   IDP_QUIRKS=a,b           departures from the reference IdP, see quirks.mjs
//   IDP_ISSUER_TRAILING_SLASH=1  the issuer is http://127.0.0.1:$IDP_PORT/ (with the slash) in
//                            discovery and in every token: a legal spelling some IdPs use
//
// Extra endpoints (none of them counted in the stats):
//   GET  /runas-peer/stats       -> {"<METHOD> <path>": count} of every request so far, so tests
//                                   can assert that a cached run made no IdP request; successful
//                                   token answers also count as "token grant_type=<grant type>"
//   POST /runas-peer/rotate-keys -> a new RS256 signing key signs from now on and the old one is
//                                   dropped from the JWKS; with ?publish=old the JWKS keeps
//                                   showing only the old key (a key the IdP never publishes);
//                                   with ?publish=none the JWKS is empty (keys: []).
//                                   Answers {"kid": "<new kid>"}
//   POST /runas-peer/clock?skew=N -> ID tokens are signed N seconds off from now on (as
//                                   IDP_CLOCK_SKEW_SECONDS). Answers {"skew": N}
//   POST /runas-peer/quirks?set=a,b -> exactly these quirks (quirks.mjs) from now on
//
// Lifetime: exits at stdin EOF, so it dies with the test process that spawned it with a pipe
// even when that process is SIGKILLed, and on SIGTERM/SIGINT.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Provider from 'oidc-provider';
import { quirksAdmin, quirksMiddleware } from './quirks.mjs';

// oidc-provider reads its keys once, at construction; rotating them at run time re-runs its own
// key-store initialiser on the instance. Imported by file URL (not subject to the package's
// export map), so it is the very module the provider itself loaded. Pinned version: 9.13.3.
const { default: initializeKeystore } = await import(new URL(
  './node_modules/oidc-provider/lib/helpers/initialize_keystore.js', import.meta.url,
));

// The skew applies while an ID token is being signed (its iat and exp come from Date.now),
// and only then: the rest of the IdP keeps the real clock, because a consistently shifted
// clock breaks the login before any token exists (cookies carry absolute expiry dates that a
// browser with the real clock drops; authorization codes expire by the shifted clock). Tests
// run one request at a time, so nothing else is signed or stamped while the flag is up.
let clockSkewMs = 0;
let idTokensBeingSigned = 0;
const realNow = Date.now;
Date.now = () => realNow() + (idTokensBeingSigned > 0 ? clockSkewMs : 0);
const setClockSkew = (text) => {
  const skew = Number(text);
  if (!Number.isInteger(skew)) throw new Error(`clock skew must be an integer, got ${text}`);
  clockSkewMs = skew * 1000;
  return skew;
};
setClockSkew(process.env.IDP_CLOCK_SKEW_SECONDS || '0');

const HOST = '127.0.0.1';
const port = Number(process.env.IDP_PORT || 9400);
const issuer = `http://${HOST}:${port}${process.env.IDP_ISSUER_TRAILING_SLASH === '1' ? '/' : ''}`;
const autoLoginUser = process.env.IDP_AUTO_LOGIN || '';
const jwksPath = process.env.IDP_JWKS
  || join(dirname(fileURLToPath(import.meta.url)), '..', 'run', 'jwks.json');
const seconds = (name, fallback) => {
  const value = Number(process.env[name] || fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};

const newSigningKey = (kid) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
};

function loadOrCreateSigningKeys(path) {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    const key = newSigningKey('runas-peer-rs256');
    writeFileSync(path, `${JSON.stringify({ keys: [key] }, null, 2)}\n`, { mode: 0o600 });
  }
  return JSON.parse(readFileSync(path, 'utf8'));
}

const publicPart = ({ kty, kid, alg, use, n, e }) => ({ kty, kid, alg, use, n, e });
let signingKeys = loadOrCreateSigningKeys(jwksPath);
// When set, GET /jwks answers this instead of the signing keys (?publish=old|none of rotate-keys).
let publishedOverride = null;
let rotations = 0;

const extraRedirectUris = (process.env.IDP_EXTRA_REDIRECT_URIS || '')
  .split(',').map((uri) => uri.trim()).filter(Boolean);
const redirectUris = [
  'http://127.0.0.1:8090/callback',
  'http://localhost:8090/callback',
  ...extraRedirectUris,
];
const grantTypes = ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'];

// Any login name is a valid account; its claims are derived from the name.
const findAccount = async (_ctx, accountId) => ({
  accountId,
  claims: async () => ({
    sub: accountId,
    email: `${accountId}@example.test`,
    email_verified: true,
    name: `Test User ${accountId}`,
    preferred_username: accountId,
  }),
});

const alwaysIssueRefreshToken = process.env.IDP_ALWAYS_RT === '1' ? {
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  // Without offline_access the grant would otherwise die with the browser session.
  expiresWithSession: async () => false,
} : {};

const provider = new Provider(issuer, {
  jwks: signingKeys,
  clients: [
    {
      client_id: 'runas-cli',
      // native: RFC 8252 §7.3 loopback redirects may use any port, as a CLI's listener does.
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: redirectUris,
      grant_types: grantTypes,
      response_types: ['code'],
    },
    {
      // Posit Connect's audience for content tokens: a token of this client is shaped like the
      // one Connect hands its content in CONNECT_CONTENT_SESSION_TOKEN (aud connect-content).
      client_id: 'connect-content',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: redirectUris,
      grant_types: grantTypes,
      response_types: ['code'],
    },
    {
      client_id: 'runas-confidential',
      client_secret: 'runas-confidential-secret',
      // oidc-provider lets a client registered for basic authenticate with post as well.
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: redirectUris,
      grant_types: grantTypes,
      response_types: ['code'],
    },
  ],
  findAccount,
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  // runas names sessions after the id_token's email; by default it would only be in /me.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: !autoLoginUser },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
  },
  ttl: {
    IdToken: seconds('IDP_ID_TOKEN_TTL', 3600),
    AccessToken: seconds('IDP_AT_TTL', 3600),
  },
  cookies: { keys: ['runas-peer-cookie-key-not-a-secret'] },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ...alwaysIssueRefreshToken,
});

const signIdToken = provider.IdToken.prototype.issue;
provider.IdToken.prototype.issue = async function issueWithSkewedClock(...args) {
  idTokensBeingSigned += 1;
  try {
    return await signIdToken.apply(this, args);
  } finally {
    idTokensBeingSigned -= 1;
  }
};

provider.on('server_error', (_ctx, error) => console.error('server_error', error));

const quirks = quirksAdmin(process.env.IDP_QUIRKS);
provider.use(quirks.admin);

const requestCounts = {};
provider.use(async (ctx, next) => {
  if (ctx.method === 'GET' && ctx.path === '/runas-peer/stats') {
    ctx.body = requestCounts;
    return;
  }
  if (ctx.method === 'POST' && ctx.path === '/runas-peer/rotate-keys') {
    const old = signingKeys;
    rotations += 1;
    signingKeys = { keys: [newSigningKey(`runas-peer-rotated-${rotations}`)] };
    initializeKeystore.call(provider, signingKeys);
    publishedOverride = {
      old: { keys: old.keys.map(publicPart) },
      none: { keys: [] },
    }[ctx.query.publish] ?? null;
    ctx.body = { kid: signingKeys.keys[0].kid };
    return;
  }
  if (ctx.method === 'POST' && ctx.path === '/runas-peer/clock') {
    try {
      ctx.body = { skew: setClockSkew(ctx.query.skew) };
    } catch (error) {
      ctx.status = 400;
      ctx.body = { error: error.message };
    }
    return;
  }
  const key = `${ctx.method} ${ctx.path}`;
  requestCounts[key] = (requestCounts[key] || 0) + 1;
  if (publishedOverride && ctx.method === 'GET' && ctx.path === '/jwks') {
    ctx.type = 'application/jwk-set+json';
    ctx.body = publishedOverride;
    return;
  }
  await next();
});
provider.use(quirksMiddleware(quirks.state, port, (key) => {
  requestCounts[key] = (requestCounts[key] || 0) + 1;
}));

// With IDP_AUTO_LOGIN the interaction page answers itself: log in, or grant what is missing.
async function finishInteractionAutomatically(ctx) {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  let result;
  if (details.prompt.name === 'login') {
    result = { login: { accountId: autoLoginUser } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  }
  const next = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.redirect(next);
}

if (autoLoginUser) {
  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && /^\/interaction\/[\w-]+$/.test(ctx.path)) {
      await finishInteractionAutomatically(ctx);
      return;
    }
    await next();
  });
}

const deviceApprover = process.env.IDP_DEVICE_APPROVER || '';
if (deviceApprover) {
  provider.use(async (ctx, next) => {
    await next();
    const uri = ctx.method === 'POST' && ctx.path === '/device/auth' && ctx.status === 200
      && ctx.body && ctx.body.verification_uri_complete;
    if (uri) {
      const approver = spawn(deviceApprover, [uri], {
        env: { ...process.env, BROWSER_MODE: 'device' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      approver.on('error', (error) => console.error(`device approver: ${error.message}`));
    }
  });
}

provider.listen(port, HOST, () => {
  console.log(`idp peer: issuer ${issuer}, pid ${process.pid}, auto_login ${autoLoginUser || 'off'}`);
});

// Exit at once: waiting for keep-alive connections to close could outlive the test.
const exitNow = (why) => {
  console.log(`idp peer: exiting (${why})`);
  process.exit(0);
};
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => exitNow(signal));
if (process.env.PEER_IGNORE_STDIN !== '1') {
  process.stdin.on('end', () => exitNow('stdin closed'));
  process.stdin.on('error', () => exitNow('stdin error'));
  process.stdin.resume();
}
