import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import {
  formatHeapTable,
  heapFigures,
  summarizeHeapSnapshot,
  type HeapSummary,
} from './heap-snapshot.ts';
import { heapSnapshotFlags, isOpenBy, takeHeapSnapshot } from './heap-snapshot-signal.ts';
import { operatorNodeOptions } from './operator-process.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const NODE = 'node_modules/.bin/node';

type Parsed = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] }; node_count: number };
  nodes: number[];
  strings: string[];
};
const dir = scratchDir('posture-heap-snapshot-test-');

const groupOf = (summary: HeapSummary, type: string, name: string) =>
  summary.top.find((g) => g.type === type && g.name === name);

// Node types as V8 lists them: hidden 0, string 2, object 3, closure 5, number 7,
// concatenated string 10. Seven fields per node: type, name, id, self_size, edge_count,
// trace_node_id, detachedness. Strings hold every escape kind, raw multi-byte UTF-8
// (2-, 3- and 4-byte), and brackets and quotes a naive skip would stop at.
const META = String.raw`{"meta":{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"],"location_fields":["object_index","script_id","line","column"],"note":"a ]} \" in meta"},"node_count":10,"edge_count":2,"trace_function_count":0}`;
const NODES = [
  [3, 1, 1, 123456789, 1, 0, 0],
  [3, 1, 3, 11, 0, 0, 0],
  [3, 2, 5, 100, 0, 0, 0],
  [2, 3, 7, 40, 0, 0, 0],
  [2, 4, 9, 24, 0, 0, 0],
  [5, 4, 11, 32, 0, 0, 0],
  [7, 7, 13, 16, 0, 0, 0],
  [0, 5, 15, 1000, 1, 0, 0],
  [5, 6, 17, 60, 0, 0, 0],
  [10, 3, 19, 20, 0, 0, 0],
];
const STRINGS = String.raw`["<dummy>","Caf\u00e9 \"quoted\"","日本\\語","some content ]} \"x\" [{","emoji 😀 a\/b","system / Context\n\t\b\f\r","\ud83d\ude00 pair","3.14"]`;
const TINY = [
  `{"snapshot":${META},\n"nodes":[`,
  NODES.map((n) => n.join(',')).join(',\n'),
  `],\n"edges":[1,2,0,\n1,7,14],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n`,
  `"locations":[],\n"strings":${STRINGS}}\n`,
].join('');

const TINY_TOP = [
  { type: 'object', name: 'Café "quoted"', count: 2, selfBytes: 123456800 },
  { type: 'hidden', name: 'system / Context\n\t\b\f\r', count: 1, selfBytes: 1000 },
  { type: 'object', name: '日本\\語', count: 1, selfBytes: 100 },
  { type: 'string', name: '(string)', count: 2, selfBytes: 64 },
  { type: 'closure', name: '😀 pair', count: 1, selfBytes: 60 },
  { type: 'closure', name: 'emoji 😀 a/b', count: 1, selfBytes: 32 },
  { type: 'concatenated string', name: '(concatenated string)', count: 1, selfBytes: 20 },
  { type: 'number', name: '(number)', count: 1, selfBytes: 16 },
];

function tinyFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('summarizeHeapSnapshot on a hand-written snapshot', () => {
  const path = tinyFile('tiny.heapsnapshot', TINY);
  for (const chunkBytes of [1, 2, 3, 4, 5, 6, 7, undefined]) {
    it(`sums self sizes by type and name exactly when read ${chunkBytes ? `${chunkBytes} bytes at a time` : 'in default-sized reads'}`, async () => {
      const summary = await summarizeHeapSnapshot(path, chunkBytes ? { chunkBytes } : {});
      assert.deepEqual(summary, { totalSelfBytes: 123458092, nodeCount: 10, top: TINY_TOP });
    });
  }

  it('keeps only the largest groups it is asked for', async () => {
    const summary = await summarizeHeapSnapshot(path, { top: 3, chunkBytes: 5 });
    assert.deepEqual(summary.top, TINY_TOP.slice(0, 3));
    assert.equal(summary.totalSelfBytes, 123458092);
  });

  it('gives the bench the first ten groups in MB', async () => {
    const figures = heapFigures(await summarizeHeapSnapshot(path));
    assert.deepEqual(figures[0], { name: 'Café "quoted"', type: 'object', count: 2, mb: 117.74 });
    assert.equal(figures.length, TINY_TOP.length);
  });

  const refused: { name: string; text: string; error: RegExp }[] = [
    {
      name: 'a file cut short',
      text: TINY.slice(0, TINY.length - 20),
      error: /ends inside "strings"/,
    },
    {
      name: 'a file whose nodes come before its header',
      text: TINY.replace(`{"snapshot":${META},\n`, '{').replace(
        '"strings"',
        `"snapshot":${META},"strings"`,
      ),
      error: /"nodes" comes before "snapshot"/,
    },
    {
      name: 'a file with fewer nodes than its header says',
      text: TINY.replace('"node_count":10', '"node_count":11'),
      error: /10 whole nodes \(\+0 fields\), the header says 11/,
    },
    {
      name: 'a file with a node cut short',
      text: TINY.replace('20,0,0,0]', '20,0,0]'),
      error: /\+6 fields/,
    },
    {
      name: 'a file with a negative number in its nodes',
      text: TINY.replace('[3,1,1,', '[3,-1,1,'),
      error: /unexpected "-" in "nodes"/,
    },
    {
      name: 'a file without strings',
      text: TINY.replace(/,\n"strings":.*}\n$/s, '}'),
      error: /no "strings"/,
    },
  ];
  for (const { name, text, error } of refused)
    it(`refuses ${name}`, async () => {
      const path = tinyFile('refused.heapsnapshot', text);
      await assert.rejects(summarizeHeapSnapshot(path, { chunkBytes: 3 }), error);
    });
});

describe('summarizeHeapSnapshot on real snapshots', () => {
  it('finds 50,000 instances of a class in a snapshot v8.writeHeapSnapshot wrote', async () => {
    const path = join(dir, 'written.heapsnapshot');
    const script = [
      'class PostureHeapProbe { constructor(i) { this.i = i; this.s = "x"; } }',
      'globalThis.keep = Array.from({ length: 50000 }, (_, i) => new PostureHeapProbe(i));',
      'require("v8").writeHeapSnapshot(process.argv[1]);',
    ].join('\n');
    await promisify(execFile)(NODE, ['-e', script, path]);
    const summary = await summarizeHeapSnapshot(path, { top: 10_000 });
    const probe = groupOf(summary, 'object', 'PostureHeapProbe');
    assert.ok(probe, 'PostureHeapProbe is among the groups');
    assert.ok(probe.count >= 50_000, `${probe.count} instances`);
    // A header and two fields each: more than 16 bytes, less than 256.
    assert.ok(probe.selfBytes >= probe.count * 16, `${probe.selfBytes} bytes`);
    assert.ok(probe.selfBytes <= probe.count * 256, `${probe.selfBytes} bytes`);
    // The same figures as a whole-file JSON.parse (which a 10,000-service snapshot is too big for).
    const whole = JSON.parse(readFileSync(path, 'utf8')) as Parsed;
    const fields = whole.snapshot.meta.node_fields;
    const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
    const nodes = Array.from({ length: whole.snapshot.node_count }, (_, i) =>
      whole.nodes.slice(i * fields.length, (i + 1) * fields.length),
    );
    const objectType = whole.snapshot.meta.node_types[0].indexOf('object');
    const probes = nodes.filter(
      (n) => n[type ?? 0] === objectType && whole.strings[n[name ?? 0] ?? 0] === 'PostureHeapProbe',
    );
    assert.equal(summary.nodeCount, nodes.length);
    assert.equal(
      summary.totalSelfBytes,
      nodes.reduce((sum, n) => sum + (n[size ?? 0] ?? 0), 0),
    );
    assert.equal(probe.count, probes.length);
    assert.equal(
      probe.selfBytes,
      probes.reduce((sum, n) => sum + (n[size ?? 0] ?? 0), 0),
    );
  });

  it('takes a snapshot of a running process on SIGWINCH with the NODE_OPTIONS the operator gets, the SIGUSR2 GC hook still in place', async (t) => {
    const snapshots = mkdtempSync(join(dir, 'signal-'));
    const script = [
      'class PostureSignalProbe { constructor(i) { this.i = i; } }',
      'globalThis.keep = Array.from({ length: 20000 }, (_, i) => new PostureSignalProbe(i));',
      'console.log("ready");',
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const child = spawn(NODE, ['-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: operatorNodeOptions(heapSnapshotFlags(snapshots)) },
    });
    try {
      // The signal handler is in place before the script runs; "ready" says the objects are too.
      await once(child.stdout, 'data');
      // Without the hook SIGUSR2 would end the process, and the snapshot would never come.
      child.kill('SIGUSR2');
      const path = await takeHeapSnapshot(child.pid ?? 0, snapshots, { pollMs: 200 });
      const summary = await summarizeHeapSnapshot(path);
      const table = formatHeapTable(summary);
      t.diagnostic(`\n${table}`);
      const probe = groupOf(
        await summarizeHeapSnapshot(path, { top: 10_000 }),
        'object',
        'PostureSignalProbe',
      );
      assert.ok(probe && probe.count >= 20_000, `${probe?.count} instances`);
      assert.match(table, /^type +name +count +MB$/m);
      assert.match(
        table,
        new RegExp(`^total [\\d.]+ MB self size in ${summary.nodeCount} nodes$`, 'm'),
      );
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('isOpenBy', () => {
  it('sees a file a process holds open, and no longer once it closed it', async () => {
    const path = realpathSync(tinyFile('held.heapsnapshot', '{}'));
    const file = await open(path, 'r');
    try {
      assert.equal(await isOpenBy(process.pid, path), true);
    } finally {
      await file.close();
    }
    assert.equal(await isOpenBy(process.pid, path), false);
  });
});
