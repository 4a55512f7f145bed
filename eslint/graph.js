// Prints the import graph of src/ between folders (product code, not tests), with edge counts,
// and exits 1 when two top-level folders import each other: `npm run imports [-- --depth 2]`.
// At depth 2 a subfolder using its parent's shared files (render/service and render/model.ts)
// shows as a two-way pair; that is printed, not failed.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const depth = Number(process.argv[process.argv.indexOf('--depth') + 1]) || 1;
const root = resolve(import.meta.dirname, '..');
const skip = (p) =>
  p.endsWith('.test.ts') || p.endsWith('.d.ts') || /\/(testing|testdata)\//.test(p);
const files = readdirSync(join(root, 'src'), { recursive: true })
  .map((p) => join(root, 'src', String(p)))
  .filter((p) => p.endsWith('.ts') && !skip(p));
const room = (file) =>
  relative(join(root, 'src'), dirname(file)).split(sep).slice(0, depth).join('/') || '.';

const edges = new Map();
for (const file of files) {
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)) {
    const [a, b] = [room(file), room(resolve(dirname(file), spec))];
    if (a !== b) edges.set(`${a} -> ${b}`, (edges.get(`${a} -> ${b}`) ?? 0) + 1);
  }
}
for (const [edge, n] of [...edges].sort()) console.log(`${edge} (${n})`);
const twoWay = [...edges.keys()]
  .map((e) => e.split(' -> '))
  .filter(([a, b]) => a < b && edges.has(`${b} -> ${a}`));
console.log(
  twoWay.length ? `cycles: ${twoWay.map((p) => p.join(' <-> ')).join(', ')}` : 'no folder cycles',
);
process.exitCode = twoWay.length && depth === 1 ? 1 : 0;
