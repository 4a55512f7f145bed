/**
 * `posture operator` as a process, from flags, against the test environment, through the
 * production NATS chain: the operator writes the Secret posture-nats-auth; the Secret's
 * `auth.conf` lands as the file nats-server includes (as a mounted Secret does: the kubelet's
 * copy is played by this test) and nats-server is signalled (as the config reloader beside it
 * does); the operator sees /varz confirm the reload (--nats-monitor-url) and only then reports
 * Ready. The users it generated then log in with the seeds from Vault, and nats-server enforces
 * their permissions. `posture status` shows the result.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { connect, nkeyAuthenticator, type NatsConnection } from 'nats';
import { natsAuthText } from '../../src/controllers/tradingservice/nats.ts';
import { nkeyPath } from '../../src/controllers/tradingservice/vault.ts';
import { NATS_AUTH_KEY, NATS_AUTH_SECRET } from '../../src/nats/publisher.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { platformSchema } from '../../src/api/platform/settings.ts';
import { startNats, type NatsServer } from '../../src/testenv/nats.ts';
import { testEnv } from '../support/env.ts';
import { delivered, serverError } from '../support/nats.ts';
import { createTestNamespace, eventually, testKubeClient } from '../support/operator.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import { conditionOf, installPostureCrds, isReady, rootVault } from '../support/tradingservice.ts';
import { operatorCommand } from '../support/operator-command.ts';
import { TRADING_SERVICE } from '../../src/api/tradingservice/kind.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The file nats-server includes: where the NATS Helm chart mounts the Secret's key. */
const AUTH_FILE = 'auth.conf';

/** The operator logs in with --vault-role at the auth mount platform.yaml names: no root token. */
function operatorArgs(
  namespace: string,
  dir: string,
  login: OperatorVaultLogin,
  monitorUrl: string,
): string[] {
  const platformFile = join(dir, 'platform.yaml');
  const authMount = login.platform.vault.authMount;
  writeFileSync(
    platformFile,
    `vault:\n  authMount: ${authMount}\nnats:\n  namespace: ${namespace}\n`,
  );
  const flags = [
    `--platform=${platformFile}`,
    `--watch-namespace=${namespace}`,
    `--lease-namespace=${namespace}`,
    `--nats-monitor-url=${monitorUrl}`,
  ];
  return operatorCommand({ login, flags });
}

const service = (namespace: string, name: string, nats: object) => ({
  apiVersion: 'posture.dev/v1alpha1',
  kind: 'TradingService',
  metadata: { name, namespace },
  spec: { image: `ghcr.io/titan-platform/${name}:v1@sha256:${'c'.repeat(64)}`, nats },
});

/** The Secret's auth.conf as the operator wrote it ('' before it did). */
async function secretText(admin: KubeClient, namespace: string): Promise<string> {
  const secret = await admin.get(RESOURCES.secret, { name: NATS_AUTH_SECRET, namespace });
  const data = (secret as { data?: Record<string, string> } | undefined)?.data ?? {};
  return Buffer.from(data[NATS_AUTH_KEY] ?? '', 'base64').toString();
}

/**
 * The kubelet and the config reloader of a NATS pod: the Secret's key is copied to the included
 * file whenever it changed, then nats-server is signalled to reload.
 */
function mountSecret(admin: KubeClient, namespace: string, server: NatsServer, file: string) {
  let copied = '';
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const text = await secretText(admin, namespace).catch(() => copied);
      if (text && text !== copied) {
        await writeFile(file, text);
        copied = text;
        server.reload();
      }
      await sleep(250);
    }
  };
  const running = loop();
  return async () => {
    stopped = true;
    await running;
  };
}

describe('posture operator (the command) with the production NATS chain', () => {
  let admin: KubeClient;
  let namespace: string;
  let child: ChildProcess;
  let server: NatsServer;
  let unmount: (() => Promise<void>) | undefined;
  let stderr = '';
  let login: OperatorVaultLogin;
  const open: NatsConnection[] = [];
  const as = async (name: string) => {
    const secret = await rootVault().kvRead(
      nkeyPath(platformSchema.parse({}), { namespace, name }),
    );
    assert.ok(secret?.data.seed, `no NKey seed in Vault for ${name}`);
    const seed = new TextEncoder().encode(secret.data.seed);
    const nc = await connect({ servers: server.url, authenticator: nkeyAuthenticator(seed) });
    open.push(nc);
    return nc;
  };
  const get = (name: string) => admin.get(TRADING_SERVICE, { name, namespace });

  before(async () => {
    const bin = testEnv().bin['nats-server'];
    assert.ok(bin, 'nats-server was not built');
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'cli-op');
    // As the NATS chart starts it: its own settings, and the operator's file by include.
    const empty = natsAuthText(platformSchema.parse({}), [], new Map());
    server = await startNats(bin, `include "${AUTH_FILE}"`, { [AUTH_FILE]: empty });
    await admin.create(
      TRADING_SERVICE,
      service(namespace, 'watcher', { subscribe: ['titan.evt.>'] }),
    );
    await admin.create(
      TRADING_SERVICE,
      service(namespace, 'emitter', { publish: ['titan.evt.emitter.>'], subscribe: [] }),
    );
    login = await operatorVaultLogin(namespace);
    const dir = scratchDir('posture-cli-op-');
    child = spawn(process.execPath, operatorArgs(namespace, dir, login, server.monitorUrl), {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  });
  after(async () => {
    await unmount?.();
    await Promise.all(open.map((nc) => nc.close()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await server?.stop();
    await login?.remove();
    await admin.delete(RESOURCES.namespace, { name: namespace });
  });

  it('should write the users to the Secret and not report Ready before nats-server loaded it', async () => {
    const text = await eventually(
      `both users in the Secret (operator stderr: ${stderr.slice(-500)})`,
      async () => {
        const t = await secretText(admin, namespace);
        // Two service users beside the locked user every config holds.
        return (t.match(/nkey: U/g) ?? []).length === 3 ? t : undefined;
      },
      30_000,
    );
    assert.doesNotMatch(text, /\bSU[A-Z2-7]{50,}/, 'public keys only');
    await sleep(1500);
    for (const name of ['watcher', 'emitter']) {
      const ts = await get(name);
      assert.equal(isReady(ts), false, `${name} Ready before nats-server loaded its user`);
      assert.notEqual(conditionOf(ts, 'Ready')?.status, 'True');
    }
  });

  it('should report Ready once the mounted Secret is loaded and /varz shows the reload', async () => {
    unmount = mountSecret(admin, namespace, server, join(server.configFile, '..', AUTH_FILE));
    for (const name of ['watcher', 'emitter']) {
      const ts = await eventually(
        `${name} Ready (operator stderr: ${stderr.slice(-500)})`,
        async () => {
          const o = await get(name);
          return isReady(o) ? o : undefined;
        },
        60_000,
      );
      const natsUser = (ts as { status?: { natsUser?: string } }).status?.natsUser ?? '';
      assert.match(await secretText(admin, namespace), new RegExp(natsUser));
    }
  });

  it("should enforce the generated users' permissions: what they declared passes, the rest is denied", async () => {
    const [emitter, watcher] = [await as('emitter'), await as('watcher')];
    assert.equal(await delivered(emitter, watcher, 'titan.evt.emitter.tick'), true);
    const outside = await serverError(emitter, () => emitter.publish('titan.cmd.execution', 'x'));
    assert.match(outside, /PERMISSIONS_VIOLATION/);
    assert.match(outside, /"operation":"publish"/);
    const readOnly = await serverError(watcher, () => watcher.publish('titan.evt.forged', 'x'));
    assert.match(readOnly, /PERMISSIONS_VIOLATION/);
    const listen = await serverError(emitter, () => emitter.subscribe('titan.evt.>'));
    assert.match(listen, /"operation":"subscription"/);
  });

  it('should show the TradingServices as Ready in `posture status`', async () => {
    const { stdout } = await run(
      process.execPath,
      ['src/cli/main.ts', 'status', '-n', namespace, `--kubeconfig=${testEnv().kube.kubeconfig}`],
      { encoding: 'utf8' },
    );
    for (const name of ['watcher', 'emitter']) {
      const row = stdout.split('\n').find((l) => l.includes(name));
      assert.ok(row, stdout);
      assert.match(row, /TradingService/);
      assert.match(row, /True/);
    }
  });
});
