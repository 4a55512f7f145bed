import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPONENTS, type Component, type ComponentName } from './components.ts';

export type Log = (line: string) => void;

/** Where built binaries live: `<root>/<name>-<version>/<binary>`. */
export function cacheRoot(): string {
  return process.env.POSTURE_TESTENV_CACHE ?? join(homedir(), '.cache', 'posture-testenv');
}

/** `<name>-<version>`, or `<name>-<version>-<variant>` when the build sets link variables. */
export function cacheName(c: Component): string {
  return c.variant ? `${c.name}-${c.version}-${c.variant}` : `${c.name}-${c.version}`;
}

export function componentDir(c: Component): string {
  return join(cacheRoot(), cacheName(c));
}

/** The `-ldflags` value: symbols stripped, plus the component's `-X` link variables. */
export function ldflags(c: Component): string {
  const vars = Object.entries(c.linkVars ?? {}).map(([name, value]) => `-X ${name}=${value}`);
  return ['-s', '-w', ...vars].join(' ');
}

export function wrapperDir(c: Component): string {
  return c.wrapper ?? fileURLToPath(new URL(`./go/${c.name}/`, import.meta.url));
}

export function binaries(c: Component): Record<string, string> {
  const dir = componentDir(c);
  return Object.fromEntries(Object.values(c.commands).map((bin) => [bin, join(dir, bin)]));
}

export function isBuilt(c: Component): boolean {
  return Object.values(binaries(c)).every((path) => existsSync(path));
}

export class BuildError extends Error {
  override name = 'BuildError';
}

/** The file name `go build -o dir/` gives a main package: its last path element, minus a /vN suffix. */
export function goDefaultName(pkg: string): string {
  const parts = pkg.split('/');
  const last = parts.at(-1) ?? pkg;
  return /^v\d+$/.test(last) ? (parts.at(-2) ?? last) : last;
}

interface GoRun {
  args: string[];
  cwd: string;
  logFile: string;
  onLine?: (line: string) => void;
}

function go({ args, cwd, logFile, onLine }: GoRun): Promise<number> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile, { flags: 'a' });
    log.write(`$ go ${args.join(' ')}\n`);
    const child = spawn('go', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine?.(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => {
      log.end();
      reject(new BuildError(`cannot run go (is Go installed and on PATH?): ${error.message}`));
    });
    child.on('close', (code) => log.end(() => resolve(code ?? 1)));
  });
}

function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

function elapsed(start: number): string {
  const s = Math.round((Date.now() - start) / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function logFileOf(c: Component): string {
  const dir = join(cacheRoot(), 'logs');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${cacheName(c)}.log`);
}

async function download(c: Component, log: Log): Promise<void> {
  const logFile = logFileOf(c);
  rmSync(logFile, { force: true });
  log(`testenv: downloading modules for ${c.module}@${c.version}`);
  const code = await go({ args: ['mod', 'download'], cwd: wrapperDir(c), logFile });
  if (code !== 0) {
    throw new BuildError(
      `go mod download failed for ${c.module}@${c.version} (wrapper ${wrapperDir(c)}); ` +
        `log: ${logFile}\n${tail(logFile)}`,
    );
  }
}

async function compile(c: Component, log: Log): Promise<void> {
  const logFile = logFileOf(c);
  const out = `${componentDir(c)}.tmp-${process.pid}`;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const start = Date.now();
  let compiled = 0;
  log(
    `testenv: building ${c.name} ${c.version} (${Object.values(c.commands).join(', ')}); cold ~${c.coldMinutes} min on 2 cores`,
  );
  const beat = setInterval(() => {
    log(
      `testenv:   ${c.name} ${c.version}: ${compiled} packages compiled, ${elapsed(start)} elapsed`,
    );
  }, 30_000);
  const args = [
    'build',
    '-v',
    '-trimpath',
    `-ldflags=${ldflags(c)}`,
    '-o',
    `${out}/`,
    ...Object.keys(c.commands),
  ];
  const code = await go({
    args,
    cwd: wrapperDir(c),
    logFile,
    onLine: () => (compiled += 1),
  }).finally(() => clearInterval(beat));
  if (code !== 0) {
    rmSync(out, { recursive: true, force: true });
    throw new BuildError(
      `go build failed for ${c.module}@${c.version}; log: ${logFile}\n${tail(logFile)}`,
    );
  }
  for (const [pkg, bin] of Object.entries(c.commands)) {
    const built = join(out, goDefaultName(pkg));
    if (basename(built) !== bin) renameSync(built, join(out, bin));
  }
  rmSync(componentDir(c), { recursive: true, force: true });
  renameSync(out, componentDir(c));
  log(`testenv: built ${c.name} ${c.version} in ${elapsed(start)} → ${componentDir(c)}`);
}

/**
 * Builds whatever of `names` is not cached yet and returns every binary's path by name.
 * Downloads run in parallel (network-bound); compiles run one at a time, each using every core.
 * A failure names the module and version and rejects: tests that need it fail, never skip.
 */
export function ensureBuilt(
  names: readonly ComponentName[],
  log: Log = (line) => process.stderr.write(`${line}\n`),
): Promise<Record<string, string>> {
  return buildComponents(
    names.map((n) => COMPONENTS[n]),
    log,
  );
}

/** `ensureBuilt` for any components (tests build tiny wrapper modules of their own). */
export async function buildComponents(
  components: readonly Component[],
  log: Log,
): Promise<Record<string, string>> {
  const missing = components.filter((c) => !isBuilt(c));
  if (missing.length > 0) {
    const start = Date.now();
    log(
      `testenv: ${missing.length} component(s) to build into ${cacheRoot()}: ${missing.map((c) => `${c.name}@${c.version}`).join(', ')}`,
    );
    await Promise.all(missing.map((c) => download(c, log)));
    for (const c of missing) await compile(c, log);
    log(`testenv: cold build finished in ${elapsed(start)}`);
  }
  return Object.assign({}, ...components.map(binaries)) as Record<string, string>;
}
