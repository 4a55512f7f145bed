import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { get as httpsGet } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

/** Binds one listener on a kernel-chosen port of 127.0.0.1 and keeps it open. */
function listenOnFreePort(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ port, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

/** A free TCP port on 127.0.0.1, chosen by the kernel (port 0) and released for the server to take. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * `count` distinct free ports. All are held open until every one is chosen: asking one at a
 * time, the kernel may hand back a port just released (a nats-server once got the same port
 * for clients and monitoring, and exited).
 */
export async function freePorts(count: number): Promise<number[]> {
  const held = await Promise.all(Array.from({ length: count }, () => listenOnFreePort()));
  await Promise.all(held.map((h) => h.close()));
  return held.map((h) => h.port);
}

export interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines of the server's log, for error messages. */
  logTail(lines?: number): string;
}

export interface StartOptions {
  name: string;
  bin: string;
  args: string[];
  logFile: string;
  env?: Record<string, string>;
  cwd?: string;
}

/** Starts a server with its output in a log file; it dies with us (never left running). */
export function startProcess(options: StartOptions): Managed {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(options.bin, options.args, {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logTail = (lines = 30): string => {
    try {
      return readFileSync(options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const stop = async (graceMs = 5_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killed = sleep(graceMs).then(() => child.kill('SIGKILL'));
    await Promise.race([exited, killed]);
    await exited;
  };
  return { name: options.name, child, logFile: options.logFile, stop, logTail };
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns true. Fails fast with the server's log if the process exits,
 * and with a clear message on timeout: a server that cannot start fails the tests loudly.
 */
export async function waitUntil(
  server: Managed,
  probe: () => Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) {
      throw new Error(
        `${server.name} exited with code ${server.child.exitCode} while starting; log ${server.logFile}:\n${server.logTail()}`,
      );
    }
    if (await probe().catch(() => false)) return;
    await sleep(options.intervalMs ?? 200);
  }
  throw new Error(
    `${server.name} was not ready within ${options.timeoutMs} ms; log ${server.logFile}:\n${server.logTail()}`,
  );
}

/** GET a URL and report whether it answered 2xx (TLS verification off: loopback test servers only). */
export async function httpOk(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
  return response.ok;
}

/** GET over HTTPS trusting one CA bundle (the apiserver's self-signed certificate). */
export function httpsOk(url: string, ca: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = httpsGet(
      url,
      { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2_000 },
      (response) => {
        response.resume();
        resolve((response.statusCode ?? 500) < 300);
      },
    );
    request.on('error', () => resolve(false));
    request.on('timeout', () => request.destroy());
  });
}
