/**
 * The dashboard's pages (GET): overview, jobs, one job, failure groups, workers. Each loads its data
 * through the Conveyor client API, then renders; the same handler answers the live script's
 * refreshes with the live region alone (`respondWithPage`).
 */
import { Hono } from 'hono';
import { listJobsUpTo } from '../client/job-batches.js';
import { dependencyWait } from '../insights/dependency-waits.js';
import { stepWait } from '../insights/step-waits.js';
import type { ServerDeps } from '../server/deps.js';
import { parseJobsQuery } from './jobs-filter.js';
import { isLivePartialRequest, notFoundPage, respondWithPage } from './layout.js';
import { loadOverview } from './overview-data.js';
import { failuresPage } from './pages/failures.js';
import { FLOW_TREE_LIMIT, type FlowTreeJobs } from './pages/flow-tree.js';
import { jobDetailPage } from './pages/job-detail.js';
import { JOBS_PAGE_SIZE, jobsPage, SUMMARY_TITLE_CHARS } from './pages/jobs.js';
import { overviewPage } from './pages/overview.js';
import { workersPage } from './pages/workers.js';
import { DASHBOARD_PREFIX, FAILURES_PAGE_PATH, JOBS_PAGE_PATH, OVERVIEW_PATH, WORKERS_PAGE_PATH } from './paths.js';

/** Most running jobs read to count each worker's. */
const RUNNING_SCAN_LIMIT = 10_000;

export function pageRoutes({ conveyor }: ServerDeps): Hono {
  const app = new Hono();

  app.get(OVERVIEW_PATH, async (c) => respondWithPage(c, overviewPage(await loadOverview(conveyor))));
  app.get(DASHBOARD_PREFIX, (c) => c.redirect(OVERVIEW_PATH, 302));

  app.get(JOBS_PAGE_PATH, async (c) => {
    const { query, filter, cursor, problems } = parseJobsQuery(c.req.query());
    // The names only fill the filter form's suggestions, which a live refresh does not render.
    const [page, names] = await Promise.all([
      // Summaries: the store cuts inputs and error messages, so a page of huge jobs costs what any page does.
      conveyor.listJobSummaries(filter, { cursor, limit: JOBS_PAGE_SIZE, previewChars: SUMMARY_TITLE_CHARS, messageChars: SUMMARY_TITLE_CHARS }),
      isLivePartialRequest(c) ? { queueNames: [], taskNames: [] } : loadFilterSuggestions(conveyor),
    ]);
    return respondWithPage(c, jobsPage({ query, jobs: page.jobs, nextCursor: page.nextCursor, problems, ...names, now: new Date() }));
  });

  app.get(`${JOBS_PAGE_PATH}/:id`, async (c) => {
    const id = c.req.param('id');
    // The store answers null for an id it could never have given (not a number, too long).
    const job = await conveyor.getJob(id);
    if (job === null) return respondWithPage(c, notFoundPage('jobs', 'No such job', `There is no job with id "${id.slice(0, 40)}"; it may have been pruned after its retention.`));
    // A queued job may wait for a service its task needs, a scheduled one for a durable step's sleep or event: say so on its page.
    const [wait, steps, artifacts, flow] = await Promise.all([
      job.state === 'queued' ? conveyor.listWorkers().then((workers) => dependencyWait(job, workers)) : null,
      conveyor.listSteps(job.id),
      conveyor.artifacts.list(job.id),
      job.flowId === null ? null : loadFlowTree(conveyor, job.flowId),
    ]);
    const extras = { dependencyWait: wait, stepWait: stepWait(job, steps), steps, artifacts: { artifacts, linksEnabled: conveyor.artifacts.linksEnabled }, flow, taskKnown: conveyor.listTasks().some((task) => task.name === job.task) };
    return respondWithPage(c, jobDetailPage(job, new Date(), extras));
  });

  app.get(FAILURES_PAGE_PATH, async (c) => respondWithPage(c, failuresPage(await conveyor.insights.failureGroups(), new Date())));

  app.get(WORKERS_PAGE_PATH, async (c) => {
    const [workers, running] = await Promise.all([conveyor.listWorkers(), countRunningByWorker(conveyor)]);
    return respondWithPage(c, workersPage({ workers, runningByWorker: running.byWorker, runningCapped: running.capped, runningScanLimit: RUNNING_SCAN_LIMIT, now: new Date() }));
  });

  return app;
}

/** The queue and task names the store knows, for the jobs filter's suggestions. */
async function loadFilterSuggestions(conveyor: ServerDeps['conveyor']): Promise<{ queueNames: string[]; taskNames: string[] }> {
  const [counts, queueStates] = await Promise.all([conveyor.insights.jobCounts(), conveyor.listQueues()]);
  return {
    queueNames: [...new Set([...counts.map((group) => group.queue), ...queueStates.map((queue) => queue.name)])].sort(),
    taskNames: [...new Set(counts.map((group) => group.task))].sort(),
  };
}

/** The first jobs of a flow for its tree; one more than drawn tells whether the flow is larger. */
async function loadFlowTree(conveyor: ServerDeps['conveyor'], flowId: string): Promise<FlowTreeJobs> {
  const jobs = await conveyor.flows.listJobs(flowId, { limit: FLOW_TREE_LIMIT + 1 });
  return { jobs: jobs.slice(0, FLOW_TREE_LIMIT), capped: jobs.length > FLOW_TREE_LIMIT };
}

async function countRunningByWorker(conveyor: ServerDeps['conveyor']): Promise<{ byWorker: Map<string, number>; capped: boolean }> {
  const { jobs, capped } = await listJobsUpTo(conveyor, { states: ['running'] }, RUNNING_SCAN_LIMIT);
  const byWorker = new Map<string, number>();
  for (const job of jobs) {
    if (job.workerId !== null) byWorker.set(job.workerId, (byWorker.get(job.workerId) ?? 0) + 1);
  }
  return { byWorker, capped };
}
