/**
 * The dashboard's stylesheet, served from `/dashboard/assets/` (the Content-Security-Policy allows
 * styles from this server only, so no page carries a `style` attribute or element). Plain CSS: a
 * neutral palette, readable tables, one colour per job state, warnings that stand out.
 */
export const DASHBOARD_CSS = `
:root {
  --bg: #f5f6f8; --panel: #fff; --border: #dfe3e8; --text: #1d2430; --muted: #687385; --accent: #2456d6;
  --ok: #1a7f4b; --warn-bg: #fff6e0; --warn-border: #f0c36d; --warn-text: #6b4a00;
  --error-bg: #fdecec; --error-border: #ef9a9a; --error-text: #8a1c1c;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { font-size: 14px; }
body { margin: 0; background: var(--bg); color: var(--text); line-height: 1.45;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "DejaVu Sans", sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
h1 { font-size: 1.55rem; margin: 0 0 .25rem; font-weight: 600; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; font-weight: 600; }
.muted { color: var(--muted); }
.topbar { display: flex; align-items: center; gap: 1.5rem; padding: 0 1.5rem; height: 52px; background: #111a2e; color: #e8ecf4; }
.brand { font-weight: 700; font-size: 1.1rem; letter-spacing: .02em; color: #fff; }
.brand span { color: #7fa7ff; }
.topbar nav { display: flex; gap: .25rem; flex: 1; }
.topbar nav a { color: #c5cde0; padding: .4rem .75rem; border-radius: 6px; }
.topbar nav a:hover { background: #1f2a44; text-decoration: none; }
.topbar nav a.active { background: #2a3a5f; color: #fff; }
.live-status { font-size: .85rem; color: #c5cde0; }
.live-status::before { content: "●"; margin-right: .35rem; color: #8b93a7; }
.live-status[data-live-status="live"]::before { color: #3ddc84; }
.live-status[data-live-status="connecting"]::before { color: #f0c36d; }
.topbar form { margin: 0; }
.topbar button { background: transparent; color: #c5cde0; border: 1px solid #3a4766; padding: .3rem .7rem; border-radius: 6px; cursor: pointer; }
.page { max-width: 1280px; margin: 0 auto; padding: 1.5rem; }
.subtitle { color: var(--muted); margin: 0 0 1.2rem; }
.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 1rem 1.2rem; margin-bottom: 1rem; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .75rem; margin-bottom: 1.2rem; }
.tile { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: .75rem 1rem; }
.tile .label { color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
.tile .value { font-size: 1.6rem; font-weight: 600; margin-top: .15rem; }
.tile.bad .value { color: var(--error-text); }
a.tile { color: inherit; }
a.tile:hover { text-decoration: none; border-color: #b7c2d3; }
table { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--border); border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: .55rem .75rem; border-bottom: 1px solid #edf0f3; vertical-align: middle; }
th { background: #f0f2f5; font-weight: 600; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #4a5568; }
tbody tr:last-child td { border-bottom: none; }
tbody tr:hover td { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.summary { max-width: 420px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: #4a5568; }
.empty { padding: 1.5rem; text-align: center; color: var(--muted); }
.state { display: inline-block; padding: .1rem .5rem; border-radius: 999px; font-size: .78rem; font-weight: 600; background: #eef0f3; color: #4a5568; }
.state-queued { background: #e3ecff; color: #1f47b8; }
.state-scheduled, .state-waiting { background: #efe7ff; color: #5b35b0; }
.state-running { background: #fff1d6; color: #8a5a00; }
.state-succeeded { background: #dcf5e7; color: #146c40; }
.state-failed { background: #ffe6d5; color: #a14a0c; }
.state-dead { background: #fde0e0; color: #a11c1c; }
.state-cancelled { background: #eceef1; color: #5a6270; }
.state-live { background: #dcf5e7; color: #146c40; }
.state-stalled { background: #fde0e0; color: #a11c1c; }
.state-paused { background: #fff1d6; color: #8a5a00; }
.step-succeeded { background: #dcf5e7; color: #146c40; }
.step-failed { background: #fde0e0; color: #a11c1c; }
.step-sleeping, .step-waiting { background: #efe7ff; color: #5b35b0; }
.step-timed-out { background: #ffe6d5; color: #a14a0c; }
.warnings { display: flex; flex-direction: column; gap: .5rem; margin-bottom: 1.2rem; }
.warning, .flash { border: 1px solid var(--warn-border); background: var(--warn-bg); color: var(--warn-text); border-radius: 8px; padding: .65rem .9rem; }
.warning strong { margin-right: .35rem; }
.warning-note { color: var(--warn-text); font-size: .85em; margin-top: .2rem; }
.warning.error, .flash.error { border-color: var(--error-border); background: var(--error-bg); color: var(--error-text); }
.flash.ok { border-color: #9fd9b8; background: #e6f6ed; color: #145c37; }
.flash { margin-bottom: 1rem; }
.flash .copy-link { display: block; width: 100%; margin-top: .4rem; font: .85rem ui-monospace, monospace; padding: .3rem .4rem; border: 1px solid #c4cad3; border-radius: 6px; }
.all-clear { border: 1px solid #9fd9b8; background: #e6f6ed; color: #145c37; border-radius: 8px; padding: .65rem .9rem; margin-bottom: 1.2rem; }
button, .button { font: inherit; font-size: .85rem; padding: .35rem .8rem; border-radius: 6px; border: 1px solid #c4cad3; background: #fff; color: var(--text); cursor: pointer; }
button:hover { background: #f2f4f7; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary:hover { background: #1c46b3; }
button.danger { color: #a11c1c; border-color: #e5a4a4; }
form.inline { display: inline; margin: 0; }
button, time, .nowrap { white-space: nowrap; }
.actions { display: flex; gap: .5rem; align-items: center; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: .8rem 1rem; margin-bottom: 1rem; }
.filters label { display: flex; flex-direction: column; font-size: .78rem; color: var(--muted); gap: .2rem; }
.filters input, .filters select, .login input { font: inherit; padding: .35rem .5rem; border: 1px solid #c4cad3; border-radius: 6px; background: #fff; min-width: 9rem; }
.filters input[type="search"] { min-width: 16rem; }
.pager { display: flex; justify-content: space-between; align-items: center; margin-top: .75rem; color: var(--muted); }
.detail-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 1rem; margin-bottom: 1rem; }
.detail-head h1 { display: flex; gap: .6rem; align-items: center; }
.grid-2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; }
@media (max-width: 900px) { .grid-2 { grid-template-columns: 1fr; } }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1.2rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #f6f8fa; border: 1px solid #e4e8ec; border-radius: 6px; padding: .7rem .9rem; margin: .3rem 0 0; overflow: auto; max-height: 420px; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.stack { background: #1e2433; color: #e4e8f1; border-color: #1e2433; }
.panel > h2:first-child { margin-top: 0; }
ol.timeline { list-style: none; margin: 0; padding: 0 0 0 1rem; border-left: 2px solid #dfe3e8; }
ol.timeline li { position: relative; padding: 0 0 .9rem .8rem; }
ol.timeline li::before { content: ""; position: absolute; left: -1.42rem; top: .35rem; width: .7rem; height: .7rem; border-radius: 50%; background: #9aa5b5; border: 2px solid #fff; }
ol.timeline li.tl-failed::before, ol.timeline li.tl-dead::before { background: #d64545; }
ol.timeline li.tl-succeeded::before { background: #2fa866; }
ol.timeline li.tl-running::before { background: #e0a021; }
ol.timeline .when { color: var(--muted); font-size: .85rem; margin-left: .4rem; }
ol.timeline .message { margin-top: .2rem; overflow-wrap: anywhere; }
details summary { cursor: pointer; color: var(--accent); margin-top: .3rem; }
progress { width: 220px; height: 10px; vertical-align: middle; accent-color: var(--accent); }
svg.spark { display: block; }
svg.spark rect.bar { fill: #6b8fe8; }
svg.spark rect.bar.has-dead { fill: #d97777; }
svg.spark rect.bar.none { fill: #dfe3e8; }
svg.spark line.base { stroke: #c4cad3; stroke-width: 1; }
svg.step-bar { vertical-align: middle; margin-right: .4rem; }
svg.step-bar rect.track { fill: #f0f2f5; }
svg.step-bar rect.bar { fill: #6b8fe8; }
svg.step-bar rect.step-succeeded { fill: #2fa866; }
svg.step-bar rect.step-failed { fill: #d64545; }
svg.step-bar rect.step-sleeping, svg.step-bar rect.step-waiting { fill: #9b7fe0; }
svg.step-bar rect.step-timed-out { fill: #e0a021; }
td.duration { white-space: nowrap; font-variant-numeric: tabular-nums; }
.step-detail { font-size: .85rem; color: var(--muted); margin-top: .15rem; overflow-wrap: anywhere; }
.step-detail[data-step-error] { color: var(--error-text); }
.throughput { display: flex; align-items: center; gap: .6rem; }
.throughput .total { font-variant-numeric: tabular-nums; min-width: 3.5rem; text-align: right; }
.tag { display: inline-block; font-family: var(--mono); font-size: 12px; background: #eef1f6; border-radius: 4px; padding: 0 .35rem; margin: 0 .2rem .2rem 0; }
.attempt-error { padding: .7rem 0; border-top: 1px solid #edf0f3; }
.attempt-error:first-of-type { border-top: none; padding-top: .2rem; }
.attempt-error .message { margin: .2rem 0; overflow-wrap: anywhere; }
.group-message { font-family: var(--mono); font-size: 12.5px; overflow-wrap: anywhere; }
.login-wrap { min-height: 100vh; display: flex; align-items: center; justify-content: center; }
.login { width: 380px; background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 1.8rem; box-shadow: 0 8px 30px rgba(17, 26, 46, .08); }
.login h1 { margin-bottom: .3rem; }
.login label { display: block; margin: 1rem 0 .3rem; font-weight: 600; }
.login input { width: 100%; }
.login button { width: 100%; margin-top: 1rem; padding: .55rem; }
.login .hint { color: var(--muted); font-size: .85rem; margin-top: 1rem; }
/* Queue pages: finished-jobs charts, the limits form's errors, tables that scroll on their own. */
.table-scroll { max-width: 100%; overflow-x: auto; }
.charts { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; }
@media (max-width: 900px) { .charts { grid-template-columns: minmax(0, 1fr); } }
figure.chart { margin: 0; background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: .75rem 1rem; min-width: 0; }
figure.chart figcaption { margin-bottom: .4rem; }
svg.finished-chart { display: block; width: 100%; height: 80px; }
svg.finished-chart rect.slot { fill: var(--chart-track); }
svg.finished-chart rect.ok { fill: var(--chart-ok); }
svg.finished-chart rect.cancelled { fill: var(--chart-cancelled); }
svg.finished-chart rect.dead { fill: var(--chart-dead); }
.dead-text { color: var(--error-text); }
.queue-state { margin-bottom: 1rem; }
.field-error { color: var(--error-text); font-size: .8rem; max-width: 16rem; }
.filters input[aria-invalid="true"] { border-color: var(--error-border); }
form.limits p { flex-basis: 100%; margin: 0; }
:root { --chart-track: #f0f2f5; --chart-ok: #6b8fe8; --chart-cancelled: #aab2bf; --chart-dead: #d64545; }

/* Narrow screens (down to 360 px): the top bar wraps, wide tables scroll inside themselves, nothing is wider than the viewport. */
@media (max-width: 700px) {
  .topbar { height: auto; flex-wrap: wrap; gap: .4rem .8rem; padding: .5rem .75rem; }
  .topbar nav { flex-wrap: wrap; flex-basis: 100%; order: 3; }
  .topbar nav a { padding: .3rem .5rem; }
  .page { padding: .75rem; }
  table { display: block; overflow-x: auto; max-width: 100%; }
  .detail-head { flex-wrap: wrap; }
  .filters input, .filters select, .filters input[type="search"] { min-width: 0; width: 100%; }
  .filters label { flex: 1 1 100%; }
  .login { width: auto; max-width: calc(100vw - 1.5rem); }
  td.summary { max-width: 60vw; }
  pre { max-width: 100%; }
}

/* Dark mode, following the system setting: the palette's variables, and the colours set outright above. */
@media (prefers-color-scheme: dark) {
  :root {
    color-scheme: dark;
    --bg: #0f141d; --panel: #171e2b; --border: #2a3446; --text: #dde3ee; --muted: #93a0b5; --accent: #7fa7ff;
    --ok: #4fd18b; --warn-bg: #33290f; --warn-border: #7a5e1c; --warn-text: #f3d58a;
    --error-bg: #3a1818; --error-border: #8a3a3a; --error-text: #ffb3b3;
    --chart-track: #1f2837; --chart-ok: #6b8fe8; --chart-cancelled: #6d7789; --chart-dead: #ef6b6b;
  }
  th { background: #1c2433; color: #b4bfd1; }
  th, td { border-bottom-color: #242e3f; }
  tbody tr:hover td { background: #1b2331; }
  td.summary { color: #b4bfd1; }
  button, .button { background: #1f2837; color: var(--text); border-color: #36425a; }
  button:hover { background: #283247; }
  button.primary { background: #2f5fd6; border-color: #2f5fd6; color: #fff; }
  button.danger { color: #ff9b9b; border-color: #7a3434; }
  .filters input, .filters select, .login input, .flash .copy-link { background: #0f141d; color: var(--text); border-color: #36425a; }
  pre { background: #0f141d; border-color: #2a3446; color: var(--text); }
  .tag { background: #243049; }
  a.tile:hover { border-color: #3d4a63; }
  .flash.ok, .all-clear { background: #12301f; border-color: #2c6b46; color: #9be3b9; }
  .state { background: #262f3f; color: #c2cad8; }
  .state-queued { background: #1c2c55; color: #a9c1ff; }
  .state-scheduled, .state-waiting, .step-sleeping, .step-waiting { background: #2c2150; color: #c9b6ff; }
  .state-running, .state-paused { background: #3a2c0c; color: #f3cf7a; }
  .state-succeeded, .state-live, .step-succeeded { background: #12301f; color: #8ee0b0; }
  .state-failed, .step-timed-out { background: #3b2212; color: #ffb98a; }
  .state-dead, .state-stalled, .step-failed { background: #3a1818; color: #ffaaaa; }
  .state-cancelled { background: #262f3f; color: #aab2bf; }
  svg.spark rect.bar.none, svg.step-bar rect.track { fill: #2a3446; }
  ol.timeline { border-left-color: #2a3446; }
  ol.timeline li::before { border-color: var(--panel); }
  .attempt-error { border-top-color: #242e3f; }
  .login { box-shadow: none; }
}
`;
