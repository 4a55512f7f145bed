import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { SnapshotScanner, type ScanSink } from './json-scan.ts';

/**
 * What a V8 `.heapsnapshot` holds, by self size: per node type, and per constructor (or
 * descriptive) name for the types whose names say what the thing is. Read as a stream (see
 * json-scan.ts): only the three node fields it needs are looked at, and only the strings that
 * name a group are kept.
 */

export interface HeapGroup {
  type: string;
  /** The constructor or descriptive name; `(type)` for types whose names are their contents. */
  name: string;
  count: number;
  selfBytes: number;
}

export interface HeapSummary {
  totalSelfBytes: number;
  nodeCount: number;
  /** Largest self size first. */
  top: HeapGroup[];
}

export interface SummaryOptions {
  /** How many groups `top` keeps (15). */
  top?: number;
  /** Read size; tests make it tiny so every boundary case is crossed. */
  chunkBytes?: number;
}

/** Types whose node names say what they are; the others' names are contents (strings, numbers). */
const BY_NAME = new Set([
  'object',
  'closure',
  'native',
  'regexp',
  'synthetic',
  'hidden',
  'array',
  'code',
]);

const headerSchema = z.object({
  meta: z.object({
    node_fields: z.array(z.string()),
    node_types: z.tuple([z.array(z.string())], z.unknown()),
  }),
  node_count: z.number().int().nonnegative(),
});

type Group = { count: number; bytes: number };

/** Node type, name and self size out of the flat "nodes" array; groups counted as they pass. */
class Aggregator implements ScanSink {
  nodeCount = 0;
  totalSelfBytes = 0;
  expectedNodes = 0;
  types: string[] = [];
  /** Per type: groups by name index (-1: the whole type). */
  readonly groups: Map<number, Group>[] = [];
  readonly names = new Map<number, string>();
  private fields = { count: 0, type: -1, name: -1, size: -1 };
  private needed?: Set<number>;
  private byName: boolean[] = [];
  private field = 0;
  private type = 0;
  private name = 0;
  private size = 0;

  header(snapshot: unknown): void {
    const { meta, node_count } = headerSchema.parse(snapshot);
    const at = (name: string) => {
      const index = meta.node_fields.indexOf(name);
      if (index < 0) throw new Error(`heap snapshot: no "${name}" in meta.node_fields`);
      return index;
    };
    this.fields = {
      count: meta.node_fields.length,
      type: at('type'),
      name: at('name'),
      size: at('self_size'),
    };
    this.types = meta.node_types[0];
    this.byName = this.types.map((t) => BY_NAME.has(t));
    this.groups.push(...this.types.map(() => new Map<number, Group>()));
    this.expectedNodes = node_count;
  }

  int(value: number): void {
    const f = this.field;
    if (f === this.fields.type) this.type = value;
    else if (f === this.fields.name) this.name = value;
    else if (f === this.fields.size) this.size = value;
    if (++this.field < this.fields.count) return;
    this.field = 0;
    this.add();
  }

  private add(): void {
    const byType = this.groups[this.type];
    if (!byType) throw new Error(`heap snapshot: node type ${this.type} is not in meta`);
    const key = this.byName[this.type] ? this.name : -1;
    const group = byType.get(key);
    if (group) {
      group.count++;
      group.bytes += this.size;
    } else byType.set(key, { count: 1, bytes: this.size });
    this.nodeCount++;
    this.totalSelfBytes += this.size;
  }

  wantString(index: number): boolean {
    this.needed ??= new Set(this.groups.flatMap((byType) => [...byType.keys()]));
    return this.needed.has(index);
  }

  string(index: number, text: string): void {
    this.names.set(index, text);
  }

  /** Checked once the file ended: every node whole, as many as the header says. */
  check(): void {
    if (this.field !== 0 || this.nodeCount !== this.expectedNodes)
      throw new Error(
        `heap snapshot: ${this.nodeCount} whole nodes (+${this.field} fields), the header says ${this.expectedNodes}`,
      );
  }
}

/** Groups by type and name, the same name at two string indices merged. */
function groupsOf(aggregator: Aggregator): HeapGroup[] {
  const merged = new Map<string, HeapGroup>();
  aggregator.groups.forEach((byType, typeIndex) => {
    const type = aggregator.types[typeIndex] ?? String(typeIndex);
    for (const [nameIndex, { count, bytes }] of byType) {
      const name = nameIndex < 0 ? `(${type})` : (aggregator.names.get(nameIndex) ?? '');
      const key = `${type}\u0000${name}`;
      const group = merged.get(key) ?? { type, name, count: 0, selfBytes: 0 };
      group.count += count;
      group.selfBytes += bytes;
      merged.set(key, group);
    }
  });
  return [...merged.values()];
}

export async function summarizeHeapSnapshot(
  path: string,
  options: SummaryOptions = {},
): Promise<HeapSummary> {
  const aggregator = new Aggregator();
  const scanner = new SnapshotScanner(aggregator);
  // A streaming decoder: a UTF-8 character split across two reads comes out whole. Not fatal:
  // a bad byte would only mangle a name, not worth a failed run.
  const decoder = new TextDecoder('utf-8');
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>)
    scanner.feed(decoder.decode(chunk, { stream: true }));
  scanner.feed(decoder.decode());
  scanner.end();
  aggregator.check();
  const top = groupsOf(aggregator)
    .sort((a, b) => b.selfBytes - a.selfBytes || a.name.localeCompare(b.name))
    .slice(0, options.top ?? 15);
  return { totalSelfBytes: aggregator.totalSelfBytes, nodeCount: aggregator.nodeCount, top };
}

const MB = 1048576;
const mb = (bytes: number) => Math.round((bytes / MB) * 100) / 100;

/** The first `n` groups as the bench's JSON line carries them. */
export function heapFigures(summary: HeapSummary, n = 10) {
  return summary.top
    .slice(0, n)
    .map((g) => ({ name: g.name, type: g.type, count: g.count, mb: mb(g.selfBytes) }));
}

/** A table for people: type, name, count, MB, and the total. */
export function formatHeapTable(summary: HeapSummary): string {
  const nameWidth = 48;
  const clip = (name: string) => {
    const line = name.replace(/\s+/g, ' ') || '(no name)';
    return line.length > nameWidth ? `${line.slice(0, nameWidth - 1)}…` : line;
  };
  const rows = summary.top.map((g) => [
    g.type,
    clip(g.name),
    String(g.count),
    mb(g.selfBytes).toFixed(2),
  ]);
  const header = ['type', 'name', 'count', 'MB'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i >= 2 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const total = `total ${mb(summary.totalSelfBytes).toFixed(2)} MB self size in ${summary.nodeCount} nodes`;
  return [line(header), ...rows.map(line), total].join('\n');
}
