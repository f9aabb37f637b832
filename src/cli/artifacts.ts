/**
 * `conveyor artifacts list <jobId>` and `conveyor artifacts get <jobId> <name>`: the files a job's
 * attempts wrote (`ctx.artifacts.put`), read through `conveyor.artifacts` from the backend the
 * environment names (`CONVEYOR_ARTIFACTS_DIR`, else the store), as the workers wrote them.
 */
import { Command } from 'commander';
import { formatByteSize, type Artifact } from '../artifact.js';
import { nameProblem } from '../artifacts/names.js';
import type { Conveyor } from '../conveyor.js';
import { ConveyorArtifactError, ConveyorNotFoundError } from '../errors.js';
import { downloadArtifact, type DownloadTarget } from './artifact-download.js';
import { boundedIntegerOption } from './parse-options.js';
import { withCliConveyor } from './store.js';
import { formatTable, formatTime, print } from './table.js';

const JOB_ID_HELP = 'job id, as printed by `conveyor enqueue` or `conveyor jobs`';

export function artifactsCommand(): Command {
  return new Command('artifacts')
    .description('list the files a job wrote, or download one (checked against its SHA-256)')
    .addCommand(
      new Command('list')
        .description("list a job's artifacts, every attempt's: attempt, name, size, content type, created")
        .argument('<jobId>', JOB_ID_HELP)
        .option('--json', 'print the artifacts as JSON (size in bytes, sha256, createdAt)')
        .action(async (jobId: string, options: { json?: boolean }, command: Command) => {
          await withCliConveyor(command, async (conveyor, url) => {
            const artifacts = await conveyor.artifacts.list(jobId);
            if (artifacts.length === 0) await requireJob(conveyor, jobId, url, `conveyor artifacts list 1234`);
            if (options.json === true) return print(JSON.stringify(artifacts, null, 2));
            print(artifacts.length === 0 ? `job ${jobId} wrote no artifacts` : formatArtifacts(artifacts));
          });
        }),
    )
    .addCommand(
      new Command('get')
        .description('download an artifact: to -o <file>, to stdout when piped, else to ./<name>; written under a temporary name and renamed once its SHA-256 checks out')
        .argument('<jobId>', JOB_ID_HELP)
        .argument('<name>', 'artifact name, as `conveyor artifacts list` prints it')
        .option('-o, --output <file>', "where to write it; '-' for stdout (default: stdout when it is not a terminal, else ./<name>)")
        .option('--attempt <n>', 'the file of this attempt (default: the latest attempt that wrote the name)', boundedIntegerOption(1, 1_000_000, '2'))
        .action(async (jobId: string, name: string, options: { output?: string; attempt?: number }, command: Command) => {
          const problem = nameProblem(name);
          if (problem !== null) throw new ConveyorArtifactError(`<name>: ${JSON.stringify(name)} ${problem}; give the name \`conveyor artifacts list ${jobId}\` prints, e.g. conveyor artifacts get ${jobId} report.csv`);
          await withCliConveyor(command, async (conveyor, url) => {
            const opened = await conveyor.artifacts.get(jobId, name, options.attempt === undefined ? {} : { attempt: options.attempt });
            if (opened === null) throw await missingArtifact(conveyor, jobId, name, options.attempt, url);
            const target = downloadTarget(options.output, name);
            if (target.kind === 'file' && options.output === undefined) process.stderr.write(`no -o given and stdout is a terminal: writing to ${target.path}\n`);
            await downloadArtifact(opened.artifact, opened.stream, target);
            const done = `wrote ${opened.artifact.size} bytes (${formatByteSize(opened.artifact.size)}, attempt ${opened.artifact.attempt}, SHA-256 checked) to ${target.kind === 'file' ? target.path : 'stdout'}`;
            // With the bytes on stdout, the summary goes to stderr so it cannot corrupt them.
            if (target.kind === 'file') print(done);
            else process.stderr.write(`${done}\n`);
          });
        }),
    );
}

function downloadTarget(output: string | undefined, name: string): DownloadTarget {
  if (output === '-') return { kind: 'stdout' };
  if (output !== undefined) return { kind: 'file', path: output };
  // A terminal would show binary bytes as garbage: write a file named after the artifact instead.
  return process.stdout.isTTY === true ? { kind: 'file', path: `./${name}` } : { kind: 'stdout' };
}

async function requireJob(conveyor: Conveyor, jobId: string, url: string, example: string): Promise<void> {
  if ((await conveyor.getJob(jobId)) === null) throw new ConveyorNotFoundError(`job ${JSON.stringify(jobId)} not found in ${url}; give the id of an existing job (\`conveyor jobs\` lists them), e.g. ${example}`);
}

/** Why there is no such artifact: no such job, a job with none, or other names; with a command that works. */
async function missingArtifact(conveyor: Conveyor, jobId: string, name: string, attempt: number | undefined, url: string): Promise<Error> {
  await requireJob(conveyor, jobId, url, `conveyor artifacts get 1234 ${name}`);
  const artifacts = await conveyor.artifacts.list(jobId);
  const which = attempt === undefined ? '' : ` written by attempt ${attempt}`;
  const first = artifacts.find((artifact) => artifact.name === name) ?? artifacts[0];
  if (first === undefined) return new ConveyorNotFoundError(`job ${jobId} wrote no artifacts, so it has none named ${JSON.stringify(name)}`);
  const names = [...new Set(artifacts.map((artifact) => artifact.name))].map((each) => JSON.stringify(each)).join(', ');
  return new ConveyorNotFoundError(
    `job ${jobId} has no artifact named ${JSON.stringify(name)}${which}; it has ${names} (see \`conveyor artifacts list ${jobId}\`), e.g. conveyor artifacts get ${jobId} ${shellWord(first.name)} --attempt ${first.attempt}`,
  );
}

/** A name as one shell word: plain names as they are, others single-quoted. */
function shellWord(text: string): string {
  return /^[\w.,@%+=:-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function formatArtifacts(artifacts: readonly Artifact[]): string {
  return formatTable(
    ['ATTEMPT', 'NAME', 'SIZE', 'TYPE', 'CREATED (UTC)'],
    artifacts.map((artifact) => [String(artifact.attempt), artifact.name, formatByteSize(artifact.size), artifact.contentType, formatTime(artifact.createdAt)]),
  );
}
