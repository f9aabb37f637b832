/**
 * How a trace's log lines become an analysis: grouped by service, each group counted and scored by
 * how bad its messages sound, and the trace given a level. Pure functions, no I/O: the durable step
 * `group-and-score` runs this, and its result (plain JSON) is what Conveyor keeps for the step.
 */

/** One log line as the `fetch-logs` step returns it (times as ISO strings: step results are JSON). */
export interface LogLine {
  service: string;
  message: string;
  at: string;
}

export interface ServiceSummary {
  service: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** Sum of the weights of its lines (see `lineWeight`). */
  severity: number;
}

export type SeverityLevel = 'low' | 'medium' | 'high' | 'critical';

export interface TraceAnalysis {
  logCount: number;
  /** Worst service first. */
  services: ServiceSummary[];
  severity: number;
  level: SeverityLevel;
  firstSeen: string;
  lastSeen: string;
}

/** Patterns of a message and what a line matching them weighs; the first that matches counts. */
const WEIGHTS: ReadonlyArray<{ pattern: RegExp; weight: number }> = [
  { pattern: /panic|fatal|out of memory|\boom\b|segfault/i, weight: 10 },
  { pattern: /timeout|timed out|deadline exceeded/i, weight: 5 },
  { pattern: /\b5\d\d\b|error|exception|refused|unavailable/i, weight: 3 },
];

/** What one line weighs: 10 for a crash, 5 for a timeout, 3 for an error, 1 for anything else. */
export function lineWeight(message: string): number {
  return WEIGHTS.find(({ pattern }) => pattern.test(message))?.weight ?? 1;
}

/**
 * The trace's level, from how bad its lines are on average (so a long burst of retries is not
 * worse than a short one of crashes). A failure that reached several services is worse than the
 * same lines from one, so each service beyond the first adds half a point.
 */
export function severityLevel(severity: number, lineCount: number, serviceCount: number): SeverityLevel {
  const score = severity / Math.max(1, lineCount) + 0.5 * Math.max(0, serviceCount - 1);
  if (score >= 6) return 'critical';
  if (score >= 4) return 'high';
  if (score >= 2.5) return 'medium';
  return 'low';
}

/** Group `lines` by service and score them; throws on an empty trace (nothing to analyse). */
export function analyseLines(lines: readonly LogLine[]): TraceAnalysis {
  if (lines.length === 0) throw new Error('a trace with no log lines cannot be analysed');
  const byService = new Map<string, ServiceSummary>();
  for (const line of lines) {
    const summary = byService.get(line.service) ?? { service: line.service, count: 0, firstSeen: line.at, lastSeen: line.at, severity: 0 };
    summary.count += 1;
    summary.severity += lineWeight(line.message);
    if (line.at < summary.firstSeen) summary.firstSeen = line.at;
    if (line.at > summary.lastSeen) summary.lastSeen = line.at;
    byService.set(line.service, summary);
  }
  const services = [...byService.values()].sort((a, b) => b.severity - a.severity || a.service.localeCompare(b.service));
  const severity = services.reduce((sum, service) => sum + service.severity, 0);
  return {
    logCount: lines.length,
    services,
    severity,
    level: severityLevel(severity, lines.length, services.length),
    // ISO strings of one format compare as times do.
    firstSeen: services.reduce((first, service) => (service.firstSeen < first ? service.firstSeen : first), services[0]!.firstSeen),
    lastSeen: services.reduce((last, service) => (service.lastSeen > last ? service.lastSeen : last), services[0]!.lastSeen),
  };
}
