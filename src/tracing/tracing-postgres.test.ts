/** OpenTelemetry traces through a real worker on PostgreSQL, each test in a fresh schema (`testing/tracing-scenarios.ts`). */
import { describePostgres, freshTestSchema } from '../testing/postgres-env.js';
import { tracingScenarios } from '../testing/tracing-scenarios.js';

describePostgres('tracing: postgres', () => {
  tracingScenarios(async () => {
    const { storeUrl, drop } = freshTestSchema();
    return { storeUrl, destroy: drop };
  });
});
