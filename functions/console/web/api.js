// The one place that calls the console's API: it adds the token, and a 401 (no token,
// an expired or a refused one) sends the page back to sign-in.
import { accessToken, forget } from './auth.js';

let signedOut = () => {};
export function onSignedOut(callback) {
  signedOut = callback;
}

// The API cannot be reached at all (no network, the stack unreachable): the offline view.
let unreachable = () => {};
export function onUnreachable(callback) {
  unreachable = callback;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(method, path, body) {
  const token = await accessToken();
  if (!token) {
    signedOut();
    throw new ApiError(401, 'please sign in');
  }
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    unreachable();
    throw new ApiError(0, 'the console cannot reach its API: check the connection');
  }
  if (response.status === 401) {
    forget();
    signedOut();
    throw new ApiError(401, 'your session has ended: please sign in again');
  }
  const document = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(response.status, document.message || `request failed (${response.status})`);
  }
  return document;
}

export function query(path, parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}
