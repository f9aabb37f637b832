/**
 * Flows: jobs that wait for other jobs. A flow is a tree written as `FlowStep`s: a step runs after
 * all its `children` have finished, and its handler reads their results in `ctx.children`. A chain
 * is a tree where each step has the previous one as its only child (`chain(a, b, c)`); a fan-out /
 * fan-in is a step with many children. The whole tree is validated, then stored in one transaction.
 */
import { systemClock, type Clock } from '../clock.js';
import { ConveyorConfigError, ConveyorNotFoundError, ConveyorValidationError } from '../errors.js';
import type { ChildFailurePolicy, Job } from '../job.js';
import type { CallerTransaction, FlowJobInsert, Store } from '../store/store.js';
import type { Task, TaskInput } from '../task.js';
import { inEnqueueSpan } from '../tracing/producer.js';
import { buildJobInsert, type EnqueueOptions } from './enqueue.js';

/** Options of one job of a flow: those of `enqueue`, without a dedup key (flow jobs are never deduplicated). */
export type FlowJobOptions = Omit<EnqueueOptions, 'dedupKey'>;

/** One job of a flow, and the jobs it waits for. */
export interface FlowStep {
  task: Task | string;
  input: unknown;
  options?: FlowJobOptions;
  /** Jobs that must finish before this one runs; their results are in its `ctx.children`, in this order. */
  children?: FlowStep[];
  /**
   * When a child ends dead or cancelled: 'fail' ends this job dead, naming the child and its error
   * (and so on up the flow); 'continue' runs it with the results there are. @default 'fail'
   */
  onChildFailure?: ChildFailurePolicy;
}

/** A job of a flow as stored, with the jobs it waited for. */
export interface FlowNode {
  job: Job;
  children: FlowNode[];
}

export interface Flow {
  /** The flow's id: the id of its root, the job that runs last (so `waitFor(flow.id)` waits for the whole flow). */
  id: string;
  root: FlowNode;
  /** Every job of the flow, lowest id first (the root first). */
  jobs: Job[];
}

/** The most jobs one flow may hold: a tree this big is better split into flows of their own. */
export const MAX_FLOW_JOBS = 10_000;

const CHILD_FAILURE_POLICIES: readonly ChildFailurePolicy[] = ['fail', 'continue'];

/**
 * A step of a flow, typed by its task.
 *
 * @example
 * flowStep(zipParts, { exportId }, { children: months.map((month) => flowStep(queryMonth, { exportId, month })) })
 */
export function flowStep<T extends Task>(task: T, input: TaskInput<T>, more: Omit<FlowStep, 'task' | 'input'> = {}): FlowStep {
  return { ...more, task, input };
}

/**
 * Steps that run one after another, each with the previous step's result as `ctx.children[0]`
 * (after any children of its own). Returns the last step, the root of the flow.
 *
 * @example
 * await conveyor.flows.enqueue(chain(flowStep(scan, { uploadId }), flowStep(resize, { uploadId }), flowStep(publish, { uploadId })))
 */
export function chain(...steps: FlowStep[]): FlowStep {
  const [first, ...rest] = steps;
  if (first === undefined) throw new ConveyorConfigError('chain(...steps)', 'needs at least one step', 'chain(flowStep(scan, input), flowStep(publish, input))');
  return rest.reduce<FlowStep>((previous, step) => ({ ...step, children: [...(step.children ?? []), previous] }), first);
}

export class FlowClient {
  constructor(
    private readonly store: Store,
    private readonly resolveTask: (task: Task | string) => Task,
    private readonly checkTx: (tx: unknown) => CallerTransaction | undefined,
    /** Tells this process's idle workers about queued jobs and cancels, as `enqueue` and `cancel` do. */
    private readonly announce: { jobsAvailable(queues: string[]): void; cancelRequested(id: string): void },
    /** Where a flow's delays are counted from. */
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Validate every step of the flow, then store all its jobs in one transaction, or none. Steps with
   * children wait (state `waiting`) until those finish. With `{ tx }` (PostgreSQL), the flow is stored
   * inside your transaction.
   */
  async enqueue(root: FlowStep, options: { tx?: CallerTransaction } = {}): Promise<Flow> {
    const tx = this.checkTx(options.tx);
    // One enqueue span for the whole flow: its jobs all come from this one call, so they share it.
    return inEnqueueSpan(
      async (traceContext) => {
        const now = this.clock.now();
        const inserts = await this.buildInserts(root, now, traceContext);
        const jobs = await this.store.flows.insert(tx === undefined ? { jobs: inserts, now } : { jobs: inserts, now, tx });
        // Jobs inside a caller's transaction are invisible until it commits: the store's own notice wakes workers then.
        if (tx === undefined) {
          const queues = [...new Set(jobs.filter((job) => job.state === 'queued').map((job) => job.queue))];
          if (queues.length > 0) this.announce.jobsAvailable(queues);
        }
        return assembleFlow(jobs);
      },
      (flow) => ({ jobs: flow.jobs, flowId: flow.id }),
    );
  }

  /** The flow's tree, with each job as it is now; null when there is no such flow (or it was pruned). */
  async get(id: string): Promise<Flow | null> {
    const jobs = await this.store.flows.get({ id });
    return jobs.length === 0 ? null : assembleFlow(jobs);
  }

  /**
   * At most `limit` jobs of a flow, lowest id first (its root first), as they are now: what a page can
   * draw of a flow of up to `MAX_FLOW_JOBS` jobs without reading them all. Empty for no such flow.
   */
  async listJobs(id: string, options: { limit: number }): Promise<Job[]> {
    return this.store.flows.jobList({ id, limit: options.limit });
  }

  /** Cancel every unfinished job of the flow: waiting and queued ones at once, running ones through their signal. */
  async cancel(id: string): Promise<Flow> {
    const jobs = await this.store.flows.cancel({ id, now: this.clock.now() });
    if (jobs.length === 0) throw new ConveyorNotFoundError(`No flow with id "${id}"`);
    for (const job of jobs) if (job.state === 'running' && job.cancelRequestedAt !== null) this.announce.cancelRequested(job.id);
    return assembleFlow(jobs);
  }

  /** The flow's jobs in store order: each step before its children, so a child's parent index is always lower. */
  private async buildInserts(root: FlowStep, now: Date, traceContext: string | null): Promise<FlowJobInsert[]> {
    const inserts: FlowJobInsert[] = [];
    const visit = async (step: FlowStep, path: string, parentIndex: number | null, ancestors: Set<FlowStep>): Promise<void> => {
      if (typeof step !== 'object' || step === null) {
        throw new ConveyorConfigError(path, `must be a flow step, got ${String(step)}`, '{ task: resize, input: { uploadId } }');
      }
      if (ancestors.has(step)) throw new ConveyorConfigError(path, 'is one of its own ancestors: a flow is a tree, so a step cannot wait for itself', 'a new step object');
      if (inserts.length >= MAX_FLOW_JOBS) {
        throw new ConveyorConfigError('flows.enqueue(flow)', `holds more than ${MAX_FLOW_JOBS} jobs; split it into smaller flows`, `a flow of at most ${MAX_FLOW_JOBS} jobs`);
      }
      const index = inserts.length;
      inserts.push({ ...(await buildStepInsert(step, path, this.resolveTask, now, traceContext)), parentIndex, onChildFailure: checkChildFailure(path, step.onChildFailure) });
      const children = step.children ?? [];
      if (!Array.isArray(children)) throw new ConveyorConfigError(`${path}.children`, `must be an array of flow steps, got ${typeof children}`, '[flowStep(queryMonth, { month: 1 })]');
      const lineage = new Set(ancestors).add(step);
      for (const [childIndex, child] of children.entries()) await visit(child, `${path}.children[${childIndex}]`, index, lineage);
    };
    await visit(root, 'flow', null, new Set());
    return inserts;
  }
}

async function buildStepInsert(step: FlowStep, path: string, resolveTask: (task: Task | string) => Task, now: Date, traceContext: string | null): Promise<Omit<FlowJobInsert, 'parentIndex' | 'onChildFailure'>> {
  const options = step.options ?? {};
  if ('dedupKey' in options) {
    throw new ConveyorConfigError(`${path}.options.dedupKey`, 'is not allowed: flow jobs are never deduplicated (a duplicate would join another flow)', 'enqueue the job outside the flow with { dedupKey }');
  }
  if ('tx' in options) throw new ConveyorConfigError(`${path}.options.tx`, 'is not an option of one job: a whole flow goes in one transaction', 'conveyor.flows.enqueue(flow, { tx: client })');
  try {
    // A task's own `dedup` does not apply inside a flow, for the same reason as `dedupKey`.
    return { ...(await buildJobInsert(resolveTask(step.task), step.input, options, now, traceContext)), dedupKey: null };
  } catch (error) {
    if (error instanceof ConveyorValidationError) {
      throw new ConveyorValidationError(error.task, error.issues.map((issue) => ({ ...issue, path: `${path}.input${issue.path === '' ? '' : `.${issue.path}`}` })));
    }
    throw error;
  }
}

function checkChildFailure(path: string, value: unknown): ChildFailurePolicy {
  if (value === undefined) return 'fail';
  if (!CHILD_FAILURE_POLICIES.includes(value as ChildFailurePolicy)) {
    throw new ConveyorConfigError(`${path}.onChildFailure`, `must be 'fail' or 'continue', got ${JSON.stringify(value)}`, "'continue'");
  }
  return value as ChildFailurePolicy;
}

/** The tree of a flow's jobs, from the store's list (lowest id first). */
function assembleFlow(jobs: Job[]): Flow {
  const nodes = new Map(jobs.map((job) => [job.id, { job, children: [] as FlowNode[] }]));
  let root: FlowNode | undefined;
  for (const node of nodes.values()) {
    const parent = node.job.parentId === null ? undefined : nodes.get(node.job.parentId);
    if (parent !== undefined) parent.children.push(node);
    else if (node.job.id === node.job.flowId) root = node;
  }
  if (root === undefined) throw new ConveyorNotFoundError(`The flow of job ${jobs[0]?.id ?? '(none)'} has no root job left (pruned)`);
  return { id: root.job.id, root, jobs };
}
