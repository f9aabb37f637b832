/**
 * `conveyor send-event <name> <json> [--tasks <module>]`: send an event jobs wait for
 * (`ctx.waitForEvent`) and print the jobs it resumed. With `--tasks`, the module's events are
 * declared, so a declared event's payload is checked against its schema (nothing is sent when it
 * fails); an event the module does not declare is sent unchecked, with a note, as `sendEvent` would.
 */
import { Command } from 'commander';
import type { SendEventResult } from '../conveyor.js';
import { ConveyorConfigError } from '../errors.js';
import type { EventDefinition } from '../step.js';
import { loadTaskModule } from './load-tasks.js';
import { openCliConveyor } from './store.js';

interface SendEventCommandOptions {
  tasks?: string;
  json?: boolean;
}

const PAYLOAD_EXAMPLE = `'{"exportId":42,"by":"ada"}'`;

export function sendEventCommand(): Command {
  return new Command('send-event')
    .description('send an event: every job waiting for it (ctx.waitForEvent) whose match the payload satisfies resumes; prints the jobs it resumed')
    .argument('<name>', 'the event name, e.g. export.approved')
    .argument('<json>', `the payload as JSON, e.g. ${PAYLOAD_EXAMPLE}`)
    .option('--tasks <module>', 'file exporting the events (made by defineEvent), usually the one `conveyor worker` runs: a declared event’s payload is checked first')
    .option('--json', 'print { seq, resolvedJobIds } as JSON')
    .action(async (name: string, json: string, options: SendEventCommandOptions, command: Command) => {
      const payload = parsePayload(json);
      const events = options.tasks === undefined ? [] : (await loadTaskModule(options.tasks)).events;
      if (options.tasks !== undefined && !events.some((event) => event.name === name)) {
        process.stderr.write(`note: ${options.tasks} declares no event "${name}"${declaredList(events)}; sending it without a payload check\n`);
      }
      const { conveyor } = await openCliConveyor(command, { events });
      try {
        const result = await conveyor.sendEvent(name, payload);
        process.stdout.write(`${options.json === true ? JSON.stringify(result, null, 2) : describeSent(name, result)}\n`);
      } finally {
        await conveyor.close();
      }
    });
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConveyorConfigError('<json>', `is not valid JSON (${(error as Error).message}); quote it for the shell`, PAYLOAD_EXAMPLE);
  }
}

function declaredList(events: EventDefinition[]): string {
  return events.length === 0 ? ' (it declares none)' : ` (it declares ${events.map((event) => `"${event.name}"`).join(', ')})`;
}

function describeSent(name: string, { seq, resolvedJobIds }: SendEventResult): string {
  const sent = `sent event "${name}" (seq ${seq})`;
  if (resolvedJobIds.length === 0) return `${sent}: no job was waiting for it; it is kept 24 hours for jobs already enqueued that reach their wait later`;
  return `${sent}: resumed ${resolvedJobIds.length} job(s): ${resolvedJobIds.join(', ')}`;
}
