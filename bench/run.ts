/**
 * `npm run bench -- <name>` runs `bench/<name>.ts`. Benchmarks print their figures and end
 * with one JSON line; they report numbers, tests check correctness.
 */
import { readdirSync } from 'node:fs';

const name = process.argv[2];
const available = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}\n`);
  process.exit(2);
}
await import(`./${name}.ts`);
