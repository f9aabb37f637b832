/** Health, readiness and metrics routes of the HTTP server (issue 6, F7). */
export { checkReadiness, healthRoutes, READINESS_CHECK_NAMES, type HealthRoutesOptions, type Readiness, type ReadinessCheck } from './health.js';
export { ConveyorMetrics, metricsRoutes, type ConveyorMetricsOptions } from './metrics.js';
