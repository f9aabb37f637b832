/**
 * The engine end to end on PostgreSQL: the worker conformance suite, each test on a fresh schema of
 * the test server (`<CONVEYOR_TEST_PG_URL>?schema=conveyor_t_…`), dropped afterwards.
 */
import { describePostgres, freshTestSchema } from '../testing/postgres-env.js';
import { runWorkerConformance } from '../testing/worker-conformance/index.js';

describePostgres('worker conformance: postgres', () => {
  runWorkerConformance(async () => {
    const { storeUrl, drop } = freshTestSchema();
    return { storeUrl, destroy: drop };
  });
});
