/** `conveyor serve --tasks <module>`: the HTTP API in front of the store until SIGINT or SIGTERM. */
import { Command } from 'commander';
import { API_RATE_LIMIT_SETTING, API_TOKENS_SETTING, AUTH_FAILURE_LIMIT_SETTING, parseApiTokens } from '../server/config.js';
import { withApiServer } from './api-server.js';
import { loadTaskModule } from './load-tasks.js';
import { integerOption } from './parse-options.js';
import { nextStopSignal } from './worker.js';

interface ServeCommandOptions {
  port: number;
  host: string;
  tasks: string;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'serve the HTTP API (enqueue, get, list, cancel, retry jobs; /health, /ready, /metrics) until SIGINT/SIGTERM; ' +
        `bearer tokens from $${API_TOKENS_SETTING}, enqueue rate limit per token from $${API_RATE_LIMIT_SETTING}, ` +
        `failed-authentication limit per client address from $${AUTH_FAILURE_LIMIT_SETTING}`,
    )
    .requiredOption('--tasks <module>', 'file exporting the tasks clients may enqueue by name (as for `conveyor worker`), and the events POST /events/{name} accepts (made by defineEvent)')
    .option('--port <n>', 'TCP port; 0 picks a free one', integerOption('8080'), 8080)
    .option('--host <address>', 'address to listen on; 0.0.0.0 for every interface', '127.0.0.1')
    .action(async (options: ServeCommandOptions, command: Command) => {
      // Checked before anything opens: a server without tokens must not start at all (F7).
      const tokens = parseApiTokens(process.env[API_TOKENS_SETTING]);
      const module = await loadTaskModule(options.tasks);
      const stopRequested = nextStopSignal();
      await withApiServer(command, { tasks: module.tasks, events: module.events, tokens, port: options.port, host: options.host }, async ({ server, storeUrl }) => {
        process.stdout.write(`conveyor serve listening on ${server.url} with ${module.tasks.length} task(s)${eventsNote(module.events.length)}, store ${storeUrl}; dashboard at ${server.url}/; Ctrl-C to stop\n`);
        const signal = await stopRequested;
        process.stderr.write(`${signal}: stopping after requests in flight finish (signal again to exit at once)\n`);
      });
      process.stdout.write('conveyor serve stopped\n');
    });
}

/** ` and 2 event(s)` when the module declares events; nothing otherwise. */
export function eventsNote(count: number): string {
  return count === 0 ? '' : ` and ${count} event(s)`;
}
