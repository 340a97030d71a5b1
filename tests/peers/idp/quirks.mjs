// Departures from the reference IdP, each one a behaviour that OpenID providers other than
// oidc-provider show in the field, switched on one by one so a test can reproduce it faithfully.
// Every one is off unless asked for; with none on, the peer is stock oidc-provider.
//
//   refresh_without_id_token   refresh_token grant answers carry no id_token (OIDC Core §12.2:
//                              the refresh response "might not contain an id_token"); the
//                              access and (rotated) refresh tokens stay
//   device_without_id_token    device_code grant answers carry no id_token (IdPs that implement
//                              RFC 8628 as a plain OAuth grant); access and refresh tokens stay
//   no_device_endpoint         discovery omits device_authorization_endpoint; /device/auth
//                              still works (the grant is implemented but not advertised)
//   issuer_trailing_slash      discovery's `issuer` gains a trailing slash while ID tokens keep
//                              `iss` without one (discovery and tokens disagree)
//   discovery_text_plain       discovery is served as `text/plain; charset=utf-8` instead of
//                              application/json (the body is unchanged)
//   discovery_html             discovery is answered 200 with an HTML page (what a captive
//                              portal or a misrouted proxy serves)
//   jwks_elsewhere             discovery's `jwks_uri` names another host of the same IdP
//                              (`localhost` instead of `127.0.0.1`) and another path,
//                              /keys-elsewhere, which serves the same keys
//
// IDP_QUIRKS=a,b turns some on at start; POST /runas-peer/quirks?set=a,b replaces the set at
// run time (?set= turns all off) and answers {"quirks": [...]}. An unknown name is a 400.
// The issuer itself can end in a slash (consistently, in discovery and in every token) with
// IDP_ISSUER_TRAILING_SLASH=1, which server.mjs reads: that one is not a quirk but a legal
// issuer spelling, fixed for the life of the process as oidc-provider's issuer is.

export const KNOWN_QUIRKS = [
  'refresh_without_id_token',
  'device_without_id_token',
  'no_device_endpoint',
  'issuer_trailing_slash',
  'discovery_text_plain',
  'discovery_html',
  'jwks_elsewhere',
];

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const parse = (text) => {
  const names = (text || '').split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !KNOWN_QUIRKS.includes(name));
  if (unknown.length) throw new Error(`unknown quirk(s) ${unknown.join(', ')}; known: ${KNOWN_QUIRKS.join(', ')}`);
  return new Set(names);
};

// The admin endpoint, to be installed before the request counter (it is not counted).
export function quirksAdmin(initial) {
  const state = { on: parse(initial) };
  const admin = async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/runas-peer/quirks') {
      try {
        state.on = parse(ctx.query.set);
        ctx.body = { quirks: [...state.on] };
      } catch (error) {
        ctx.status = 400;
        ctx.body = { error: error.message };
      }
      return;
    }
    await next();
  };
  return { state, admin };
}

// The behaviours, to be installed after the request counter (the requests they shape count).
// `countGrant(key)` counts each successful token answer once more under
// `token grant_type=<type>`, so a test can tell refreshes from code and device exchanges
// (`POST /token` counts every request, device polls that got `authorization_pending` too).
export function quirksMiddleware(state, port, countGrant) {
  const on = (name) => state.on.has(name);
  return async (ctx, next) => {
    if (on('jwks_elsewhere') && ctx.method === 'GET' && ctx.path === '/keys-elsewhere') {
      ctx.path = '/jwks';
    }
    await next();
    // oidc-provider leaves the parsed form on ctx.oidc once its token endpoint has run.
    const grantType = ctx.method === 'POST' && ctx.path === '/token'
      ? ctx.oidc?.body?.grant_type
      : null;
    if (grantType && ctx.status === 200) countGrant(`token grant_type=${grantType}`);
    if (ctx.method === 'GET' && ctx.path === '/.well-known/openid-configuration' && ctx.status === 200) {
      shapeDiscovery(ctx, on, port);
      return;
    }
    if (grantType && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      const strip = (grantType === 'refresh_token' && on('refresh_without_id_token'))
        || (grantType === DEVICE_GRANT && on('device_without_id_token'));
      if (strip) {
        const { id_token: _dropped, ...rest } = ctx.body;
        ctx.body = rest;
      }
    }
  };
}

function shapeDiscovery(ctx, on, port) {
  if (on('discovery_html')) {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = '<!doctype html><html><head><title>Sign in</title></head><body><p>Please sign in to continue.</p></body></html>';
    return;
  }
  const document = { ...ctx.body };
  if (on('no_device_endpoint')) delete document.device_authorization_endpoint;
  if (on('issuer_trailing_slash') && !document.issuer.endsWith('/')) document.issuer = `${document.issuer}/`;
  if (on('jwks_elsewhere')) document.jwks_uri = `http://localhost:${port}/keys-elsewhere`;
  if (on('discovery_text_plain')) {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = JSON.stringify(document);
    return;
  }
  ctx.body = document;
}
