// `npm run bench`: runs each benchmark in bench/ and prints its figures. Every benchmark
// measures a baseline in the same run and reports ratios, so numbers compare across machines.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv[2];
const benches = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)));
for (const file of benches) {
  console.log(`\n== ${file}`);
  await import(new URL(file, import.meta.url).href);
}
