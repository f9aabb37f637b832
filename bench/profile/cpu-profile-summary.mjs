// Self time of a V8 .cpuprofile, by function and by file: `node cpu-profile-summary.mjs <file>… [--top 25]`
import { readFileSync } from 'node:fs';
const files = process.argv.slice(2).filter((arg) => arg.endsWith('.cpuprofile'));
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 25;
const byFunction = new Map();
const byFile = new Map();
let total = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    const micros = deltas[index] ?? 0;
    total += micros;
    const frame = node.callFrame;
    const where = frame.url.replace(/^.*\/(node_modules\/|src\/|bench\/)/, '$1') || '(native)';
    const fn = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    const fileKey = where.replace(/^(node_modules\/[^/]+(\/[^/]+)?).*/, '$1');
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + micros);
  });
}
const show = (title, map) => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms)`);
  for (const [key, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * micros) / total).toFixed(1).padStart(5)}%  ${key}`);
};
show('self time by file', byFile);
show('self time by function', byFunction);
