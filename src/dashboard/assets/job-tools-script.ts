/**
 * The script of the job tools, served from `/dashboard/assets/` next to the live script (the
 * Content-Security-Policy runs no inline script). Pages work without it; it adds:
 *
 * - Copy buttons: a `button[data-copy-from]` copies the text of the element its selector names (the
 *   job's input as JSON) to the clipboard, and says "Copied" (or why not) in its `data-copied`.
 *   Listeners sit on the document, so buttons the live script re-renders keep working.
 * - Bulk runs: a `form[data-bulk-form]` (the bulk action's confirm page) is posted batch after batch
 *   with `fetch` (header `X-Conveyor-Bulk: json`) and the run's totals so far, each answer `{ done,
 *   changed, skipped, cursor, finished, message }` moving the `[data-bulk-progress]` bar and text ("1,500 of 4,213…"), until
 *   the server says `finished`. Without the script the form posts one batch and the page that comes
 *   back has a button for the next.
 *
 * Plain ES2020 for the browser, as a string, like the live script.
 */
export const JOB_TOOLS_SCRIPT = `'use strict';
(function () {
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand('copy');
    area.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error('copy refused'));
  }

  document.addEventListener('click', function (event) {
    var button = event.target instanceof Element ? event.target.closest('button[data-copy-from]') : null;
    if (button === null) return;
    var source = document.querySelector(button.getAttribute('data-copy-from'));
    if (source === null) return;
    copyText(source.textContent || '').then(
      function () { button.setAttribute('data-copied', 'yes'); button.textContent = 'Copied'; },
      function () { button.setAttribute('data-copied', 'no'); button.textContent = 'Copy failed: select the text'; }
    );
  });

  var numbers = new Intl.NumberFormat('en-US');

  function runBulk(form) {
    var bar = document.querySelector('[data-bulk-progress]');
    var text = document.querySelector('[data-bulk-status]');
    var total = Number(form.getAttribute('data-bulk-total') || '0');
    var progress = { done: 0, changed: 0, skipped: 0 };
    var button = form.querySelector('button[type=submit]');
    if (button !== null) button.disabled = true;
    if (bar !== null) { bar.max = Math.max(total, 1); bar.value = 0; bar.hidden = false; }
    function show(message, state) {
      if (text !== null) { text.textContent = message; text.setAttribute('data-bulk-state', state); }
    }
    function step(cursor) {
      var body = new URLSearchParams(new FormData(form));
      if (cursor !== null) body.set('cursor', cursor);
      // The run's totals so far travel with each batch: the server keeps nothing between them.
      body.set('done', String(progress.done));
      body.set('changed', String(progress.changed));
      body.set('skipped', String(progress.skipped));
      return fetch(form.action, { method: 'POST', body: body, credentials: 'same-origin', headers: { 'X-Conveyor-Bulk': 'json' } })
        .then(function (response) {
          // A login page or an error page instead of a batch's answer: the session ended, or the store is down.
          if ((response.headers.get('content-type') || '').indexOf('json') < 0) throw new Error('the server answered with a page (HTTP ' + response.status + '), not a batch result: log in again, or check the server');
          return response.json().then(function (answer) {
            if (!response.ok) throw new Error(answer && answer.message ? answer.message : 'HTTP ' + response.status);
            return answer;
          });
        })
        .then(function (answer) {
          progress = { done: answer.done, changed: answer.changed, skipped: answer.skipped };
          if (bar !== null) { bar.max = Math.max(total, progress.done, 1); bar.value = progress.done; }
          if (answer.finished) { show(answer.message, 'finished'); return null; }
          show(numbers.format(progress.done) + ' of ' + numbers.format(total) + '…', 'running');
          return step(answer.cursor);
        });
    }
    show('0 of ' + numbers.format(total) + '…', 'running');
    step(null).catch(function (error) {
      show('Stopped after ' + numbers.format(progress.done) + ': ' + error.message + '. Reload the page to continue.', 'error');
    });
  }

  document.querySelectorAll('form[data-bulk-form]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      runBulk(form);
    });
  });
})();
`;
