/**
 * The setup most HTTP-level dashboard test files share: one test server for the whole file, started
 * before its first test with a logged-in session, and closed after its last.
 */
import { afterAll, beforeAll } from 'vitest';
import { dashboardHttp, type DashboardHttp } from './dashboard-http.js';
import { startDashboardServer, type DashboardServer, type DashboardServerOptions } from './dashboard-server.js';

export interface LoggedInDashboard {
  /** The file's server; read inside tests and hooks (it starts in `beforeAll`). */
  readonly server: DashboardServer;
  /** Pages and form posts with the server's session; read inside tests and hooks. */
  readonly http: DashboardHttp;
}

/**
 * Registers, in the calling file or `describe`, a `beforeAll` that starts a dashboard server and
 * logs in, and an `afterAll` that closes it.
 *
 * @example
 * const dashboard = useLoggedInDashboard();
 * it('shows a job', async () => {
 *   const { job } = await dashboard.server.conveyor.enqueue(sendEmail, { to: 'ada@example.com', subject: 'hi' });
 *   expect(await dashboard.http.page(`/dashboard/jobs/${job.id}`)).toContain('email.send');
 * });
 */
export function useLoggedInDashboard(options: DashboardServerOptions = {}): LoggedInDashboard {
  let server: DashboardServer | undefined;
  let http: DashboardHttp | undefined;
  beforeAll(async () => {
    server = await startDashboardServer(options);
    http = await dashboardHttp(server);
  });
  afterAll(async () => {
    await server?.close();
  });
  const notStarted = (): never => {
    throw new Error('the dashboard server starts in beforeAll; use it inside tests and hooks');
  };
  return {
    get server() {
      return server ?? notStarted();
    },
    get http() {
      return http ?? notStarted();
    },
  };
}
