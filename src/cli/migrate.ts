/** `conveyor migrate`: bring the store's schema up to date, or with `--status` only say where it stands. */
import { Command } from 'commander';
import type { MigrationStatus } from '../store/store.js';
import { openCliStore } from './store.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description("apply the store's pending migrations and print the database version before and after")
    .option('--status', 'only print the versions and pending migrations')
    .action(async (options: { status?: boolean }, command: Command) => {
      const { store, url } = await openCliStore(command);
      try {
        const before = await store.migrations.status();
        if (options.status === true) {
          process.stdout.write(`${url}: ${describe(before)}\n`);
          return;
        }
        const after = await store.migrations.run({ now: new Date() });
        const applied = before.pending.length;
        process.stdout.write(
          applied === 0
            ? `${url}: database version ${after.databaseVersion}, up to date; nothing to apply\n`
            : `${url}: database version ${before.databaseVersion} → ${after.databaseVersion} (applied ${applied} migration(s): ${before.pending.join(', ')})\n`,
        );
      } finally {
        await store.close();
      }
    });
}

function describe(status: MigrationStatus): string {
  const pending = status.pending.length === 0 ? 'up to date' : `pending ${status.pending.join(', ')}; run \`conveyor migrate\``;
  return `database version ${status.databaseVersion}, package version ${status.packageVersion}, ${pending}`;
}
