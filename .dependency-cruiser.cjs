/**
 * The import rule of docs/architecture.md, checked by `npm run check:imports` (part of `npm test`):
 * imports point one way, cli → server/dashboard → conveyor/insights → client/worker → store, with
 * the shared modules (errors, job, task, config… at the top of src/, and src/schedule/) below every
 * layer but the store (config.ts parses store URLs through the store's dialect registry). Each rule
 * names a layer and what it must not import; no module may sit on a cycle. Tests and test helpers
 * are exempt: a test may build anything it needs.
 *
 * @type {import('dependency-cruiser').IConfiguration}
 */

/** Test files and the helpers only tests and tools load. */
const TESTS = [
  '\\.test\\.ts$',
  '^src/testing/',
  '^src/dashboard/testing/',
  '^src/dashboard/screenshots/',
  '^src/server/test-server\\.ts$',
  '^src/server/sse-test-client\\.ts$',
  '^src/server/observability-fixture\\.ts$',
];

const STORE = '^src/(store|sqlite|postgres)/';
const WORKER = '^src/worker/';
const CLIENT = '^src/client/';
const ARTIFACTS = '^src/artifacts/';
const STEPS = '^src/steps/';
const CONVEYOR = '^src/conveyor\\.ts$';
const INSIGHTS = '^src/insights/';
const SERVER = '^src/server/';
const DASHBOARD = '^src/dashboard/';
const CLI = '^src/cli/';
/** Modules every layer may use: errors, job and task types, configuration parsing, retry delays, cron. They may use the store. */
const SHARED = '^src/(schedule/|(errors|artifact|step|job|task|task-shape|dependency|config|retry|validate|events|logger|handler-outcomes|redact-store-url)\\.ts$)';

const any = (...patterns) => patterns.join('|');

/** A rule that `from` (tests excluded) imports nothing matching any of `to`. */
function layer(name, comment, from, to) {
  return { name, comment, severity: 'error', from: { path: from, pathNot: TESTS }, to: { path: any(...to) } };
}

module.exports = {
  forbidden: [
    layer('shared-imports-no-layer', 'The shared modules sit below every layer.', SHARED, [WORKER, CLIENT, CONVEYOR, INSIGHTS, SERVER, DASHBOARD, CLI]),
    layer('store-imports-nothing-above', 'The store is the bottom layer: it knows no caller.', STORE, [WORKER, CLIENT, CONVEYOR, INSIGHTS, SERVER, DASHBOARD, CLI]),
    layer('worker-imports-no-caller', 'Workers run on the store; Conveyor creates them, not the other way round.', WORKER, [CONVEYOR, INSIGHTS, SERVER, DASHBOARD, CLI]),
    layer('artifacts-imports-no-caller', 'Artifacts (backends, writing, reading) sit beside the client parts: workers and Conveyor use them, not the other way round.', ARTIFACTS, [WORKER, CLIENT, CONVEYOR, INSIGHTS, SERVER, DASHBOARD, CLI]),
    layer('steps-imports-no-caller', 'Durable steps run inside attempts: workers use them, not the other way round.', STEPS, [WORKER, CLIENT, CONVEYOR, INSIGHTS, SERVER, DASHBOARD, CLI]),
    layer('client-imports-no-caller', 'The client parts are what Conveyor is built from.', CLIENT, [CONVEYOR, INSIGHTS, SERVER, DASHBOARD, CLI]),
    layer('conveyor-imports-no-front-end', 'Conveyor and its insights know nothing of HTTP, pages or commands.', any(CONVEYOR, INSIGHTS), [SERVER, DASHBOARD, CLI]),
    layer('server-imports-no-dashboard', 'The dashboard is a plug-in the server mounts (extraRoutes): the server must work without it.', SERVER, [DASHBOARD, CLI]),
    layer(
      'dashboard-imports-no-server-dto',
      'The dashboard is a plug-in of the server and may use its infrastructure (deps, auth, sessions, throttle), but the numbers it shows come from Conveyor and its insights, not from the API’s routes and DTOs.',
      DASHBOARD,
      ['^src/server/(routes/|[^/]+-dto\\.ts$|health\\.ts$|metrics\\.ts$)'],
    ),
    layer('dashboard-imports-no-cli', 'The CLI is the top layer: it assembles the server and the dashboard.', DASHBOARD, [CLI]),
    {
      name: 'no-circular',
      comment:
        'Modules that import each other (types included) cannot be understood or tested one at a time: none may, the store layer included.',
      severity: 'error',
      from: { pathNot: TESTS },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency; the rules above would not see it.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: they tie the layers together as much as values do.
    tsPreCompilationDeps: true,
    // Resolves the `.js` suffixes of ESM imports to the `.ts` sources, as tsc does.
    tsConfig: { fileName: 'tsconfig.json' },
    // Subpath exports of dependencies (hono/cookie…).
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'node', 'default'] },
  },
};
