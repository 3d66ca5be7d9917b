// The benchmark's floor (e2e/tests/bench.rs): the callback's protocol work and nothing else, in
// plain browser JavaScript. Sign-in: PKCE S256 + state to the Hosted UI. Callback: state checked,
// address bar wiped, code exchanged and JWKS loaded at once, both tokens' RS256 signatures checked
// with WebCrypto, claims into the page, a mark at the next frame. No UI, no framework, no wasm, no
// claim checks beyond the signature, no error handling: a reference point, not an app.
const b64url = (bytes) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const json = (text) => JSON.parse(new TextDecoder().decode(bytes(text)));
const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
const KEY = 'bench-floor.pending';
const query = new URLSearchParams(location.search);
const code = query.get('code');

if (code === null) {
  const config = await (await fetch('./config.json')).json();
  const button = document.createElement('button');
  button.textContent = 'Sign in';
  button.dataset.testid = 'sign-in';
  button.onclick = async () => {
    const verifier = random();
    const state = random();
    const redirect = location.origin + location.pathname;
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
    sessionStorage.setItem(KEY, JSON.stringify({ verifier, state, redirect, config }));
    const url = new URL(config.authDomain + '/oauth2/authorize');
    url.search = new URLSearchParams({
      response_type: 'code', client_id: config.clientId, redirect_uri: redirect,
      scope: 'openid email profile', state, nonce: random(),
      code_challenge: b64url(new Uint8Array(digest)), code_challenge_method: 'S256',
    });
    location.assign(url.href);
  };
  document.body.append(button);
} else {
  const pending = JSON.parse(sessionStorage.getItem(KEY));
  history.replaceState(null, '', location.origin + location.pathname);
  if (query.get('state') !== pending.state) throw new Error('state mismatch');
  const { config } = pending;
  const body = new URLSearchParams({
    grant_type: 'authorization_code', client_id: config.clientId, code,
    redirect_uri: pending.redirect, code_verifier: pending.verifier,
  });
  const [tokens, jwks] = await Promise.all([
    fetch(config.authDomain + '/oauth2/token', { method: 'POST', body }).then((r) => r.json()),
    fetch(config.issuer + '/.well-known/jwks.json').then((r) => r.json()),
  ]);
  const verified = async (token) => {
    const [header, claims, signature] = token.split('.');
    const jwk = jwks.keys.find((k) => k.kid === json(header).kid);
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const key = await crypto.subtle.importKey('jwk', jwk, alg, false, ['verify']);
    const data = new TextEncoder().encode(header + '.' + claims);
    if (!(await crypto.subtle.verify(alg, key, bytes(signature), data))) throw new Error('bad signature');
    return json(claims);
  };
  const claims = await Promise.all([verified(tokens.id_token), verified(tokens.access_token)]);
  document.getElementById('claims').textContent = JSON.stringify(claims, null, 2);
  requestAnimationFrame(() => {
    document.documentElement.setAttribute('data-verified-ms', String(performance.now()));
  });
}
