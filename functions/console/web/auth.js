// Signing in with Cognito, straight from the browser: the password goes to Cognito only,
// never to this stack's functions. Tokens live in sessionStorage (gone with the tab),
// never in localStorage or cookies.

const config = JSON.parse(document.querySelector('meta[name="console-config"]').content);
export const settings = config;
const STORE = 'vstarcam-push.tokens';
// Renew the access token this long before it expires.
const RENEW_MS = 60_000;

export class AuthError extends Error {
  constructor(type, message) {
    super(message || 'sign-in failed');
    this.type = type || 'Error';
  }
}

async function cognito(operation, body) {
  let response;
  try {
    response = await fetch(new URL(config.cognitoEndpoint, location.href), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new AuthError('NetworkError', 'cannot reach the sign-in service: check the connection');
  }
  const document = await response.json().catch(() => ({}));
  if (!response.ok) {
    const type = String(document.__type || '').split('#').pop();
    throw new AuthError(type, document.message || `sign-in failed (${response.status})`);
  }
  return document;
}

function store(result, previous = {}) {
  const tokens = {
    access: result.AccessToken,
    id: result.IdToken,
    refresh: result.RefreshToken || previous.refresh,
    expiresAt: Date.now() + (result.ExpiresIn || 3600) * 1000,
  };
  sessionStorage.setItem(STORE, JSON.stringify(tokens));
  return tokens;
}

function tokens() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE) || 'null');
  } catch {
    return null;
  }
}

export function signedIn() {
  return Boolean(tokens()?.access);
}

function idClaims() {
  const id = tokens()?.id;
  if (!id) return {};
  try {
    return JSON.parse(atob(id.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return {};
  }
}

// Who is signed in, read from the ID token for display only (the API checks the token).
export function userName() {
  const claims = idClaims();
  return claims.email || claims['cognito:username'] || '';
}

// The user's role and sites, from the ID token's groups: for the page's layout only (an
// admin's controls, the Users page); the API enforces them from the verified token.
export function access() {
  const groups = idClaims()['cognito:groups'] || [];
  const role = groups.includes('admin') ? 'admin' : groups.includes('viewer') ? 'viewer' : 'none';
  const sites = groups.filter((group) => group.startsWith('site:')).map((group) => decodeURIComponent(group.slice(5)));
  return { role, sites, allSites: role === 'admin' || groups.includes('all-sites') };
}

// A challenge is what Cognito asks next: NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA, MFA_SETUP.
function outcome(answer, username) {
  if (answer.AuthenticationResult) {
    store(answer.AuthenticationResult);
    return null;
  }
  return { name: answer.ChallengeName, session: answer.Session, username };
}

export async function signIn(username, password) {
  const answer = await cognito('InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: config.clientId,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  return outcome(answer, username);
}

async function respond(challenge, name, responses, session = challenge.session) {
  const answer = await cognito('RespondToAuthChallenge', {
    ClientId: config.clientId,
    ChallengeName: name,
    Session: session,
    ChallengeResponses: { USERNAME: challenge.username, ...responses },
  });
  return outcome(answer, challenge.username);
}

export function setNewPassword(challenge, password) {
  return respond(challenge, 'NEW_PASSWORD_REQUIRED', { NEW_PASSWORD: password });
}

export function answerMfa(challenge, code) {
  return respond(challenge, 'SOFTWARE_TOKEN_MFA', { SOFTWARE_TOKEN_MFA_CODE: code });
}

// MFA_SETUP at sign-in (ConsoleMfa=required): a secret for the app, then its first code.
export async function beginMfaSetup(challenge) {
  const answer = await cognito('AssociateSoftwareToken', { Session: challenge.session });
  return { ...challenge, session: answer.Session, secret: answer.SecretCode };
}

export async function finishMfaSetup(challenge, code) {
  const verified = await cognito('VerifySoftwareToken', {
    Session: challenge.session,
    UserCode: code,
    FriendlyDeviceName: 'console',
  });
  return respond(challenge, 'MFA_SETUP', {}, verified.Session);
}

// Turning two-step sign-in on later, while signed in (ConsoleMfa=optional).
export async function associateMfa() {
  const answer = await cognito('AssociateSoftwareToken', { AccessToken: await accessToken() });
  return answer.SecretCode;
}

export async function enableMfa(code) {
  const token = await accessToken();
  await cognito('VerifySoftwareToken', { AccessToken: token, UserCode: code, FriendlyDeviceName: 'console' });
  await cognito('SetUserMFAPreference', {
    AccessToken: token,
    SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  });
}

// The access token for the API, renewed with the refresh token when it is about to expire.
export async function accessToken() {
  const current = tokens();
  if (!current?.access) return null;
  if (current.expiresAt - RENEW_MS > Date.now() || !current.refresh) return current.access;
  try {
    const answer = await cognito('InitiateAuth', {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: config.clientId,
      AuthParameters: { REFRESH_TOKEN: current.refresh },
    });
    return store(answer.AuthenticationResult, current).access;
  } catch {
    forget();
    return null;
  }
}

export function forget() {
  sessionStorage.removeItem(STORE);
}

// Signing out ends the refresh token at Cognito too, so a copied one is useless.
export async function signOut() {
  const current = tokens();
  forget();
  if (current?.refresh) {
    await cognito('RevokeToken', { Token: current.refresh, ClientId: config.clientId }).catch(() => {});
  }
}
