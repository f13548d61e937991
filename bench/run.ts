// `npm run bench`: runs each benchmark in bench/ and prints its figures, then one table of the
// headline figures (figure, target, measured, ratio). Every benchmark measures a baseline in the
// same run and reports ratios, so numbers compare across machines.
// The one interface every benchmark feeds: `record({ figure, target, measured, ratio, met })`
// from bench/support/summary.ts, once per headline figure; a `*.bench.ts` file in bench/ is run
// by being imported (top-level await), and what it records lands in the table. The machine's
// load average is printed with each benchmark and in the table's header: the machine may be
// shared, and ratios against a baseline of the same run are what compare.
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { summaryTable } from './support/summary.js';

const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv[2];
const benches = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)));
for (const file of benches) {
  console.log(`\n== ${file} (load average ${load()})`);
  await import(new URL(file, import.meta.url).href);
}
const cpus = os.cpus();
console.log(`\n== summary (${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average ${load()})`);
console.log(summaryTable());
