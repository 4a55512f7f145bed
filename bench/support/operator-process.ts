import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WRITE_VERBS } from '../../src/operator/kube/transport.ts';
import { freePort } from '../../src/testenv/process.ts';

/**
 * The operator as it ships, for benchmarks: `bin/posture operator` on the compiled JavaScript
 * (`npm run build`, POSTURE_COMPILED=1, docs/adr/0035) with its node flags, in a process of its
 * own, so its memory is the operator's alone. Figures come from its own /metrics: scraped every
 * 2 s for the progress lines (each scrape costs the operator CPU the converge would otherwise
 * have; Prometheus scrapes every 15–60 s), and on demand (`scrape`) where a count must be current.
 */

export interface Stats {
  memory: { rssMb: number; heapMb: number; spaces: Record<string, number> };
  counts: Record<string, number>;
  writes: number;
  reconciles: number;
  /** Reconciles by `kind/result`. */
  results: Record<string, number>;
  /** Vault requests by `METHOD area` (posture_vault_requests_total). */
  vault: Record<string, number>;
  /** Memory-reducing collections once quiet (--idle-gc-seconds), and the event loop's time in them. */
  idle: { collections: number; seconds: number };
}

export interface OperatorProcess {
  child: ChildProcess;
  stats?: Stats;
  /** Scrapes now: the stats as of this moment. */
  scrape(): Promise<Stats | undefined>;
  stop(): void;
}

export interface OperatorOptions {
  kubeconfig: string;
  vault: { addr: string; token: string };
  platformFile: string;
  workers: number;
  /** `--resync-period` in seconds (the operator's default is 600). */
  resyncSeconds?: number;
  /** Scratch folder for the Vault token file. */
  dir: string;
  /** Extra node flags, e.g. from BENCH_OPERATOR_NODE_FLAGS. */
  nodeFlags: readonly string[];
  /** Extra operator flags, e.g. `--nats-url` with `nats.auth: jwt`. */
  args?: readonly string[];
}

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Prometheus text format, the sample lines only. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key = '', value = ''] of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g))
      labels[key] = value;
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

const MB = 1048576;

export function statsOf(samples: readonly Sample[]): Stats {
  const of = (name: string) => samples.filter((s) => s.name === name);
  const counts: Record<string, number> = Object.fromEntries(
    of('posture_kube_requests_total').map((s) => [s.labels['verb'] ?? '', s.value]),
  );
  const results: Record<string, number> = {};
  for (const s of of('posture_reconcile_total'))
    results[`${s.labels['kind']}/${s.labels['result']}`] = s.value;
  const spaces = Object.fromEntries(
    of('nodejs_heap_space_size_total_bytes').map((s) => [
      s.labels['space'] ?? '',
      Math.round(s.value / MB),
    ]),
  );
  const one = (name: string) => of(name)[0]?.value ?? 0;
  return {
    memory: {
      rssMb: Math.round(one('process_resident_memory_bytes') / MB),
      heapMb: Math.round(one('nodejs_heap_size_used_bytes') / MB),
      spaces,
    },
    counts,
    writes: WRITE_VERBS.reduce((sum, verb) => sum + (counts[verb] ?? 0), 0),
    reconciles: Object.values(results).reduce((a, b) => a + b, 0),
    results,
    vault: Object.fromEntries(
      of('posture_vault_requests_total').map((s) => [
        `${s.labels['method']} ${s.labels['area']}`,
        s.value,
      ]),
    ),
    idle: {
      collections: one('posture_idle_collections_total'),
      seconds: one('posture_idle_collection_seconds_total'),
    },
  };
}

// The bench asks for a full collection before it reads memory; the operator has no such hook.
// NODE_OPTIONS splits on spaces and reads quotes: the data URL has neither (%22 is ").
const GC_ON_SIGUSR2 = 'data:text/javascript,process.on(%22SIGUSR2%22,()=>globalThis.gc())';

/** The operator's NODE_OPTIONS: the GC hook, then `nodeFlags`. */
export function operatorNodeOptions(nodeFlags: readonly string[]): string {
  return ['--expose-gc', `--import=${GC_ON_SIGUSR2}`, ...nodeFlags].join(' ');
}

export async function startOperator(options: OperatorOptions): Promise<OperatorProcess> {
  const tokenFile = join(options.dir, 'vault-token');
  writeFileSync(tokenFile, options.vault.token, { mode: 0o600 });
  const port = await freePort();
  const child = spawn(
    'bin/posture',
    [
      'operator',
      `--kubeconfig=${options.kubeconfig}`,
      `--vault-addr=${options.vault.addr}`,
      `--vault-token-file=${tokenFile}`,
      `--platform=${options.platformFile}`,
      `--workers=${options.workers}`,
      '--leader-elect=false',
      `--resync-period=${options.resyncSeconds ?? 600}`,
      '--log-level=error',
      `--metrics-port=${port}`,
      '--metrics-host=127.0.0.1',
      ...(options.args ?? []),
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      // bin/posture adds the operator's own node flags; these come on top.
      env: {
        ...process.env,
        POSTURE_COMPILED: '1',
        NODE_OPTIONS: operatorNodeOptions(options.nodeFlags),
      },
    },
  );
  const scrape = async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      state.stats = statsOf(parseMetrics(await response.text()));
    } catch {
      // Not listening yet, or busy: the next scrape tells.
    }
  };
  const timer = setInterval(() => void scrape(), 2000);
  const state: OperatorProcess = {
    child,
    scrape: async () => {
      await scrape();
      return state.stats;
    },
    stop: () => {
      clearInterval(timer);
      child.kill('SIGTERM');
    },
  };
  return state;
}
