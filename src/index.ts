/**
 * Conveyor: durable background jobs and pipelines for TypeScript back ends.
 *
 * This entry point loads no database driver; stores live on their own subpaths (`conveyor/sqlite`).
 */
export { systemClock, type Clock } from './clock.js';
export { Conveyor, type ConveyorOptions, type EnqueueCallOptions, type EnqueueItem, type WorkerStatus } from './conveyor.js';
export { defineTask, type Task, type TaskOptions, type TaskContext, type JobInfo, type ChildResult, type Resources, type TaskInput, type TaskResult, type InputSchema } from './task.js';
export type { EnqueueOptions, EnqueueResult } from './client/enqueue.js';
export type { QueueLimitsOptions } from './client/queue-limits.js';
export { chain, flowStep, MAX_FLOW_JOBS, type Flow, type FlowClient, type FlowJobOptions, type FlowNode, type FlowStep } from './client/flows.js';
export { defineDependency, tcpDependency, httpDependency, type Dependency, type DependencyOptions, type DependencyTiming, type WhileDependencyDown } from './dependency.js';
export type { Artifact, ArtifactSource, PutArtifactOptions, TaskArtifacts } from './artifact.js';
export { directoryArtifactBackend } from './artifacts/directory-backend.js';
export type { ArtifactBackend, ByteRange } from './artifacts/backend.js';
export type { ArtifactOptions } from './artifacts/settings.js';
export type { ConveyorArtifacts, GetArtifactOptions, OpenedArtifact } from './artifacts/conveyor-artifacts.js';
export { defineEvent, type EventDefinition, type StepOptions, type TaskSteps, type WaitForEventOptions, type WaitForEventResult } from './step.js';
export type { SendEventResult } from './conveyor.js';
export { defineSchedule, type Schedule, type ScheduleOptions } from './schedule/define-schedule.js';
export type { ScheduleClient } from './client/schedules.js';
export type { WaitForOptions } from './client/wait-for.js';
export type { OrphanGroup, OrphanReport } from './client/orphans.js';
export type { Insights, ReadinessOptions } from './insights/insights.js';
export type { QueueOverview, DepthState } from './insights/queue-overview.js';
export type { Readiness, ReadinessCheck } from './insights/readiness.js';
export type { Throughput, ThroughputBucket } from './insights/throughput.js';
export type { FailureGroup, FailureGroupReport, RetryGroupResult } from './insights/failure-groups.js';
export { Worker, type WorkerMode, type WorkerEventMap } from './worker/worker.js';
export type { WorkerOptions } from './worker/options.js';
export type { StoreConnectionState, StoreConnectionStatus } from './worker/store-connection.js';
export type { ResourceDefinition, ResourceDefinitions } from './worker/resources.js';
export { JobAbortedError } from './worker/running-job.js';
export { CONVEYOR_TRACER_NAME } from './tracing/attributes.js';
export type { AbortReason } from './worker/outcome.js';
export { JOB_STATES, FINAL_STATES, UNFINISHED_STATES, JOB_TRANSITIONS, isFinalState, type ChildFailurePolicy, type Job, type JobState, type JobAttemptError, type JobProgress } from './job.js';
export { DEFAULT_RETRY_POLICY, backoffDelayMs, type RetryPolicy, type BackoffPolicy } from './retry.js';
export { DEFAULT_STORE_URL, DEFAULT_RETENTION, parseStoreUrl, type RetentionOptions, type StoreLocation } from './config.js';
export type { Logger, LogFn } from './logger.js';
export * from './errors.js';
export { ConveyorStoreFaultError, type StoreFault } from './store/store-fault.js';
export { snooze, discard, JobSnooze, MAX_SNOOZE_MS } from './handler-outcomes.js';
export type * from './store/store.js';
