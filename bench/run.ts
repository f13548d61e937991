// `npm run bench`: runs each benchmark in bench/ and prints its figures, then one table of the
// headline figures (figure, target, measured, ratio). Every benchmark measures a baseline in the
// same run and reports ratios, so numbers compare across machines.
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { summaryTable } from './support/summary.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv[2];
const benches = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)));
for (const file of benches) {
  console.log(`\n== ${file}`);
  await import(new URL(file, import.meta.url).href);
}
const cpus = os.cpus();
console.log(`\n== summary (${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)})`);
console.log(summaryTable());
