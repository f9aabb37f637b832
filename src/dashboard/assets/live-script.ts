/**
 * The dashboard's one script, served from `/dashboard/assets/` (so the Content-Security-Policy can
 * say `script-src 'self'`). Pages work without it; it makes them live:
 *
 * - It opens an `EventSource` on the URL in `<body data-events>` (the server's `GET /events`, with
 *   the page's filters; the session cookie authenticates it). On `event: job` (data
 *   `{ seq, jobId, task, queue, state, attempt, progress, at }`) it sets the state badge
 *   (`[data-job-state]`) and progress bar (`progress[data-job-progress]`) inside every element with
 *   `data-job-id` equal to the event's `jobId` at once, then refreshes the page's live region. On
 *   `event: reset` (events were missed) it refreshes at once, and on `event: ready` (the stream is
 *   reading) too, for what changed between the page's render and the stream's start. `EventSource` resumes with
 *   `Last-Event-ID` by itself.
 * - Refreshing means fetching the page's own URL with `X-Conveyor-Partial: live` and replacing the
 *   contents of `#live` with the server-rendered (escaped) answer, at most once per
 *   `data-refresh-ms`. Open `<details>` stay open.
 * - Every `data-poll-ms` (when set) it refreshes anyway, for what sends no job event (workers
 *   starting or stopping), and while the stream is down.
 * - `[data-live-status]` says which of these is happening.
 * - A link in a notice (`input[data-copy-link]`) is selected and copied to the clipboard on click.
 *
 * Written as plain ES2020 for the browser, so it is a string here rather than compiled TypeScript.
 */
export const LIVE_SCRIPT = `'use strict';
(function () {
  var body = document.body;
  var live = document.getElementById('live');
  var status = document.querySelector('[data-live-status]');
  var refreshMs = Number(body.getAttribute('data-refresh-ms') || '1000');
  var pollMs = Number(body.getAttribute('data-poll-ms') || '0');
  var eventsUrl = body.getAttribute('data-events');
  var lastRefreshAt = 0;
  var timer = null;
  var inFlight = false;
  var again = false;

  function setStatus(kind, text) {
    if (status === null) return;
    status.setAttribute('data-live-status', kind);
    status.textContent = text;
  }

  function openDetailIds() {
    var ids = [];
    live.querySelectorAll('details[id][open]').forEach(function (element) { ids.push(element.id); });
    return ids;
  }

  function refresh() {
    if (live === null) return;
    if (inFlight) { again = true; return; }
    inFlight = true;
    lastRefreshAt = Date.now();
    fetch(location.pathname + location.search, { headers: { 'X-Conveyor-Partial': 'live' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) {
        if (response.redirected || response.status === 401) { location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (markup) {
        if (markup === null) return;
        var open = openDetailIds();
        live.innerHTML = markup;
        open.forEach(function (id) { var element = document.getElementById(id); if (element !== null) element.setAttribute('open', ''); });
        body.setAttribute('data-refreshed-at', String(Date.now()));
      })
      .catch(function () { /* a network blip: the next event or poll tries again */ })
      .then(function () {
        inFlight = false;
        if (again) { again = false; schedule(); }
      });
  }

  function schedule() {
    if (timer !== null) return;
    var wait = Math.max(0, lastRefreshAt + refreshMs - Date.now());
    timer = setTimeout(function () { timer = null; refresh(); }, wait);
  }

  function applyJobEvent(event) {
    if (typeof event.jobId !== 'string' || typeof event.state !== 'string') return;
    document.querySelectorAll('[data-job-id="' + CSS.escape(event.jobId) + '"]').forEach(function (holder) {
      holder.querySelectorAll('[data-job-state]').forEach(function (badge) {
        badge.textContent = event.state;
        badge.className = 'state state-' + event.state;
      });
      if (event.progress && typeof event.progress.fraction === 'number') {
        holder.querySelectorAll('progress[data-job-progress]').forEach(function (bar) { bar.value = event.progress.fraction; });
      }
    });
  }

  // A link shown in a notice (a signed artifact link): one click selects it and copies it.
  document.querySelectorAll('[data-copy-link]').forEach(function (field) {
    field.addEventListener('click', function () {
      field.select();
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).catch(function () { /* selected: Ctrl+C still works */ });
    });
  });

  var notLive = pollMs > 0 ? 'Not live: refreshing every ' + Math.round(pollMs / 1000) + ' s' : 'Not live: reload for news';
  if (eventsUrl && typeof EventSource === 'function') {
    setStatus('connecting', 'Connecting…');
    var source = new EventSource(eventsUrl);
    source.addEventListener('open', function () { setStatus('live', 'Live'); });
    source.addEventListener('job', function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (error) { return; }
      applyJobEvent(event);
      schedule();
    });
    source.addEventListener('reset', function () { refresh(); });
    // The stream starts at the log's end when it opens: a change between the page's render and then
    // (a job that finished meanwhile) sends no event, so refresh once the stream reads.
    source.addEventListener('ready', function () { refresh(); });
    source.addEventListener('error', function () {
      if (source.readyState === EventSource.CLOSED) setStatus('polling', notLive);
      else setStatus('connecting', 'Reconnecting…');
    });
  } else {
    setStatus('polling', notLive);
  }
  if (pollMs > 0) {
    setInterval(function () { if (!document.hidden) refresh(); }, pollMs);
  }
})();
`;
