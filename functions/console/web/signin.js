// The sign-in view: user name and password, then whatever Cognito asks next
// (a new password on the first sign-in, a code from the authenticator app, or setting one up).
import * as auth from './auth.js';
import { $ } from './dom.js';

const forms = ['signin-form', 'newpass-form', 'mfa-form', 'mfa-setup-form'];
let challenge = null;
let done = () => {};

function showForm(id) {
  for (const form of forms) $(form).hidden = form !== id;
  const first = $(id).querySelector('input:not([hidden])');
  if (first) first.focus();
}

function fail(error) {
  const messages = {
    NotAuthorizedException: 'Wrong user name or password.',
    UserNotFoundException: 'Wrong user name or password.',
    CodeMismatchException: 'That code is not right: try the current one.',
    EnableSoftwareTokenMFAException: 'That code is not right: try the current one.',
    InvalidPasswordException: 'That password is not accepted: use at least 12 characters.',
    ExpiredCodeException: 'That code has expired: try the current one.',
    LimitExceededException: 'Too many attempts: wait a while and try again.',
    TooManyRequestsException: 'Too many attempts: wait a while and try again.',
  };
  $('signin-error').textContent = messages[error.type] || error.message;
}

async function next(result) {
  challenge = result;
  $('signin-error').textContent = '';
  if (!challenge) {
    for (const form of forms) $(form).reset();
    done();
    return;
  }
  if (challenge.name === 'NEW_PASSWORD_REQUIRED') {
    $('newpass-username').value = challenge.username;
    showForm('newpass-form');
  } else if (challenge.name === 'SOFTWARE_TOKEN_MFA') {
    showForm('mfa-form');
  } else if (challenge.name === 'MFA_SETUP') {
    challenge = await auth.beginMfaSetup(challenge);
    $('mfa-secret').textContent = challenge.secret;
    showForm('mfa-setup-form');
  } else {
    fail(new auth.AuthError('', `this sign-in step (${challenge.name}) is not supported`));
  }
}

function submit(form, action) {
  $(form).addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = event.target.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      await next(await action(new FormData(event.target)));
    } catch (error) {
      fail(error);
    } finally {
      button.disabled = false;
    }
  });
}

submit('signin-form', (data) => auth.signIn(String(data.get('username')).trim(), String(data.get('password'))));
submit('newpass-form', (data) => {
  if (data.get('new-password') !== data.get('confirm')) {
    throw new auth.AuthError('', 'The two passwords differ.');
  }
  return auth.setNewPassword(challenge, String(data.get('new-password')));
});
submit('mfa-form', (data) => auth.answerMfa(challenge, String(data.get('code')).trim()));
submit('mfa-setup-form', (data) => auth.finishMfaSetup(challenge, String(data.get('code')).trim()));

export function show(onSignedIn) {
  done = onSignedIn;
  challenge = null;
  $('signin-error').textContent = '';
  showForm('signin-form');
}

export function hide() {}
