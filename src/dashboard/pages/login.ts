/** The login form: one field for an API token (one of `CONVEYOR_API_TOKENS`). */
import { STYLESHEET_URL } from '../assets/asset-routes.js';
import { EMPTY, html, type Html } from '../html.js';
import { LOGIN_PATH } from '../paths.js';

export function loginPage(options: { next: string; problem?: string }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · Conveyor</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${STYLESHEET_URL}">
</head>
<body>
<div class="login-wrap">
<form class="login" method="post" action="${LOGIN_PATH}">
  <h1>Conveyor</h1>
  <div class="muted">Log in to the dashboard with an API token.</div>
  ${options.problem === undefined ? EMPTY : html`<div class="flash error" role="alert" data-login-problem>${options.problem}</div>`}
  <label for="token">API token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
  <input type="hidden" name="next" value="${options.next}">
  <button type="submit" class="primary">Log in</button>
  <p class="hint">Any token in <code>CONVEYOR_API_TOKENS</code> works; <code>conveyor dev</code> prints the one it made. The browser keeps it in an HttpOnly cookie until you log out or close it.</p>
</form>
</div>
</body>
</html>`;
}
