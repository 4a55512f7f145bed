import { kindOf, type RenderedObject } from '../render/objects.ts';
import { appFolder } from './layout.ts';
import { compareKeys } from '../lib/yaml.ts';

/**
 * The table `posture synth` prints: one row per app folder, one column per object kind, and
 * totals, so a reviewer sees at a glance what a change adds or removes.
 */
export function summaryTable(objects: readonly RenderedObject[]): string {
  const counts = new Map<string, Map<string, number>>();
  const kinds = new Set<string>();
  for (const { app, manifest } of objects) {
    const kind = kindOf(manifest);
    kinds.add(kind);
    const row = counts.get(appFolder(app)) ?? new Map<string, number>();
    row.set(kind, (row.get(kind) ?? 0) + 1);
    counts.set(appFolder(app), row);
  }
  const columns = [...kinds].sort(compareKeys);
  const rows = [...counts.keys()].sort(compareKeys).map((app) => {
    const row = counts.get(app)!;
    const cells = columns.map((k) => row.get(k) ?? 0);
    return [app, ...cells.map(cell), String(sum(cells))];
  });
  const totals = columns.map((k) => sum([...counts.values()].map((r) => r.get(k) ?? 0)));
  const table = [
    ['APP', ...columns, 'TOTAL'],
    ...rows,
    ['TOTAL', ...totals.map(String), String(objects.length)],
  ];
  return format(table);
}

function cell(n: number): string {
  return n === 0 ? '-' : String(n);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function format(table: string[][]): string {
  const widths = (table[0] ?? []).map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((text, i) => (i === 0 ? text.padEnd(widths[i] ?? 0) : text.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${table.map(line).join('\n')}\n`;
}
