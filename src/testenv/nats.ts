import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, httpOk, startProcess, waitUntil, type Managed } from './process.ts';

export interface NatsServer {
  url: string;
  monitorUrl: string;
  configFile: string;
  process: Managed;
  /** Sends SIGHUP: nats-server re-reads its config file. */
  reload: () => void;
  stop: () => Promise<void>;
}

/**
 * A nats-server on loopback started from `config` (nats-server config syntax). Client and
 * monitoring ports are chosen here and appended, so callers pass only what they test.
 * `files` are written beside the config first: what it `include`s (relative to its folder).
 */
export async function startNats(
  bin: string,
  config: string,
  files: Record<string, string> = {},
): Promise<NatsServer> {
  // A free port can be taken by another process before nats-server binds it (test files run
  // side by side): that one failure is retried on new ports, any other is reported.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, config, files);
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test(String(error))) throw error;
    }
  }
}

async function startOnce(
  bin: string,
  config: string,
  files: Record<string, string>,
): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'posture-nats-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const [port, monitor] = await freePorts(2);
  const configFile = join(dir, 'nats.conf');
  writeFileSync(
    configFile,
    `${config}\nhost: 127.0.0.1\nport: ${port}\nhttp: "127.0.0.1:${monitor}"\n`,
  );
  const server = startProcess({
    name: 'nats-server',
    bin,
    logFile: join(dir, 'nats.log'),
    args: ['-c', configFile],
  });
  const monitorUrl = `http://127.0.0.1:${monitor}`;
  try {
    await waitUntil(server, () => httpOk(`${monitorUrl}/healthz`), { timeoutMs: 20_000 });
  } catch (error) {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    monitorUrl,
    configFile,
    process: server,
    reload: () => server.child.kill('SIGHUP'),
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
