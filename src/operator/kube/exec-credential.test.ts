import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  execInfo,
  interactiveOf,
  parseExecConfig,
  parseExecCredential,
  refreshAt,
  type ExecConfig,
  type InteractiveMode,
} from './exec-credential.ts';
import { ExecCredentialSource, type PluginRun } from './exec-plugin.ts';

const WHERE = '/home/me/.kube/config: users[me].user.exec';
const V1 = 'client.authentication.k8s.io/v1';
const V1BETA1 = 'client.authentication.k8s.io/v1beta1';

const config = (overrides: Partial<ExecConfig> = {}): ExecConfig => ({
  command: 'aws',
  args: [],
  env: {},
  apiVersion: V1,
  interactiveMode: 'Never',
  provideClusterInfo: false,
  ...overrides,
});

describe('parseExecConfig', () => {
  const accepted: { name: string; raw: Record<string, unknown>; want: Partial<ExecConfig> }[] = [
    {
      name: 'a v1beta1 plugin without interactiveMode defaults to IfAvailable',
      raw: { apiVersion: V1BETA1, command: 'aws', args: ['eks', 'get-token'] },
      want: { interactiveMode: 'IfAvailable', args: ['eks', 'get-token'] },
    },
    {
      name: 'a v1 plugin keeps the interactiveMode it states',
      raw: { apiVersion: V1, command: 'kubelogin', interactiveMode: 'Always' },
      want: { interactiveMode: 'Always' },
    },
    {
      name: 'env entries become variables over the environment',
      raw: {
        apiVersion: V1,
        command: 'x',
        interactiveMode: 'Never',
        env: [{ name: 'A', value: '1' }],
      },
      want: { env: { A: '1' } },
    },
    {
      name: 'a command with a slash is relative to the kubeconfig folder',
      raw: { apiVersion: V1, command: './bin/login', interactiveMode: 'Never' },
      want: { command: '/home/me/.kube/bin/login' },
    },
    {
      name: 'a bare command is left to the PATH',
      raw: { apiVersion: V1, command: 'gke-gcloud-auth-plugin', interactiveMode: 'Never' },
      want: { command: 'gke-gcloud-auth-plugin' },
    },
    {
      name: 'installHint and provideClusterInfo are kept',
      raw: {
        apiVersion: V1,
        command: 'x',
        interactiveMode: 'Never',
        installHint: 'brew install x',
        provideClusterInfo: true,
      },
      want: { installHint: 'brew install x', provideClusterInfo: true },
    },
  ];
  for (const { name, raw, want } of accepted) {
    it(`should accept ${name}`, () => {
      const parsed = parseExecConfig(WHERE, raw, '/home/me/.kube');
      for (const [field, value] of Object.entries(want))
        assert.deepEqual(parsed[field as keyof ExecConfig], value, field);
    });
  }

  const refused: { name: string; raw: Record<string, unknown>; error: RegExp }[] = [
    {
      name: 'a v1 plugin without interactiveMode, as the spec requires it',
      raw: { apiVersion: V1, command: 'aws' },
      error: /users\[me\]\.user\.exec\.interactiveMode: required with apiVersion .*\/v1: set Never/,
    },
    {
      name: 'an apiVersion posture does not speak',
      raw: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'aws' },
      error: /exec\.apiVersion: "client.authentication.k8s.io\/v1alpha1": set one of/,
    },
    {
      name: 'a missing apiVersion',
      raw: { command: 'aws' },
      error: /exec\.apiVersion: missing: set one of/,
    },
    {
      name: 'a missing command',
      raw: { apiVersion: V1BETA1 },
      error: /exec\.command: missing/,
    },
    {
      name: 'an unknown interactiveMode',
      raw: { apiVersion: V1, command: 'x', interactiveMode: 'Sometimes' },
      error: /exec\.interactiveMode: "Sometimes": set one of Never, IfAvailable, Always/,
    },
    {
      name: 'args that are not strings',
      raw: { apiVersion: V1BETA1, command: 'x', args: [1] },
      error: /exec\.args: must be a list of strings/,
    },
    {
      name: 'an env entry without a name',
      raw: { apiVersion: V1BETA1, command: 'x', env: [{ value: 'v' }] },
      error: /exec\.env\[0\]\.name: missing/,
    },
  ];
  for (const { name, raw, error } of refused) {
    it(`should refuse ${name}, naming the field`, () => {
      assert.throws(() => parseExecConfig(WHERE, raw, '/home/me/.kube'), error);
    });
  }
});

describe('interactiveOf', () => {
  const rules: [InteractiveMode, boolean, boolean | RegExp][] = [
    ['Never', true, false],
    ['Never', false, false],
    ['IfAvailable', true, true],
    ['IfAvailable', false, false],
    ['Always', true, true],
    ['Always', false, /interactiveMode: Always, but standard input is not a terminal/],
  ];
  for (const [mode, tty, want] of rules) {
    const stdin = tty ? 'a terminal' : 'not a terminal';
    const outcome = want instanceof RegExp ? 'refuse to run it' : `answer ${String(want)}`;
    it(`should ${outcome} for ${mode} when standard input is ${stdin}`, () => {
      if (want instanceof RegExp) assert.throws(() => interactiveOf(WHERE, mode, tty), want);
      else assert.equal(interactiveOf(WHERE, mode, tty), want);
    });
  }
});

describe('execInfo', () => {
  const cluster = { server: 'https://k:6443', 'certificate-authority-data': 'Q0E=' };

  it('should send the request in the kubeconfig apiVersion with spec.interactive', () => {
    assert.deepEqual(JSON.parse(execInfo(config({ apiVersion: V1BETA1 }), true, cluster)), {
      apiVersion: V1BETA1,
      kind: 'ExecCredential',
      spec: { interactive: true },
    });
  });

  it('should tell the cluster only to a plugin with provideClusterInfo', () => {
    const info = JSON.parse(execInfo(config({ provideClusterInfo: true }), false, cluster)) as {
      spec: unknown;
    };
    assert.deepEqual(info.spec, { interactive: false, cluster });
  });
});

describe('parseExecCredential', () => {
  const credential = (status: unknown, apiVersion = V1) =>
    JSON.stringify({ apiVersion, kind: 'ExecCredential', status });

  const good: { name: string; stdout: string; want: unknown }[] = [
    {
      name: 'a token without expiry',
      stdout: credential({ token: 't' }),
      want: { credential: { token: 't' } },
    },
    {
      name: 'a token with its expirationTimestamp',
      stdout: credential({ token: 't', expirationTimestamp: '2030-01-02T03:04:05Z' }),
      want: { credential: { token: 't' }, expiresAt: Date.UTC(2030, 0, 2, 3, 4, 5) },
    },
    {
      name: 'a client certificate and key',
      stdout: credential({ clientCertificateData: 'CERT', clientKeyData: 'KEY' }),
      want: { credential: { cert: 'CERT', key: 'KEY' } },
    },
  ];
  for (const { name, stdout, want } of good) {
    it(`should read ${name}`, () => {
      assert.deepEqual(parseExecCredential(WHERE, config(), stdout), want);
    });
  }

  const bad: { name: string; stdout: string; error: RegExp }[] = [
    { name: 'output that is not JSON', stdout: 'Please log in', error: /no ExecCredential JSON/ },
    {
      name: 'another apiVersion than the kubeconfig asked for',
      stdout: credential({ token: 't' }, V1BETA1),
      error: /answered in .*v1beta1, the kubeconfig asks for .*\/v1$/,
    },
    {
      name: 'another kind',
      stdout: JSON.stringify({ apiVersion: V1, kind: 'Status' }),
      error: /printed kind Status, not ExecCredential/,
    },
    {
      name: 'no status',
      stdout: JSON.stringify({ apiVersion: V1, kind: 'ExecCredential' }),
      error: /returned no status/,
    },
    {
      name: 'a status without a credential',
      stdout: credential({ expirationTimestamp: '2030-01-02T03:04:05Z' }),
      error: /neither a token nor a client certificate/,
    },
    {
      name: 'a certificate without its key',
      stdout: credential({ clientCertificateData: 'CERT' }),
      error: /certificate without its key/,
    },
    {
      name: 'an expirationTimestamp that is no time',
      stdout: credential({ token: 't', expirationTimestamp: 'soon' }),
      error: /expirationTimestamp soon is not RFC 3339/,
    },
  ];
  for (const { name, stdout, error } of bad) {
    it(`should refuse ${name}, naming the kubeconfig user`, () => {
      assert.throws(
        () => parseExecCredential(WHERE, config(), stdout),
        (e: Error) => e.message.startsWith(WHERE) && error.test(e.message),
      );
    });
  }
});

describe('refreshAt', () => {
  const cases: [string, number | undefined, number][] = [
    ['keep a credential without expiry for the whole process', undefined, Infinity],
    ['refresh ten seconds before a 15-minute token expires', 900_000, 890_000],
    ['refresh a 4-second token half way, never in a loop', 4_000, 2_000],
    ['refresh a token that expired already at once', -1_000, -1_000],
  ];
  for (const [name, expiresAt, want] of cases) {
    it(`should ${name}`, () => assert.equal(refreshAt(0, expiresAt), want));
  }
});

/** A fake plugin: counts runs, answers tokens t1, t2, ... valid for `ttlMs` (none: no expiry). */
function fakePlugin(ttlMs?: number) {
  let now = 0;
  const runs: PluginRun[] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> | undefined;
  const source = new ExecCredentialSource({
    where: WHERE,
    config: config({ env: { FROM_KUBECONFIG: 'yes' } }),
    now: () => now,
    stdinIsTTY: () => false,
    env: { HOME: '/home/me' },
    run: async (run) => {
      runs.push(run);
      await gate;
      const expiry = ttlMs === undefined ? {} : { expirationTimestamp: iso(now + ttlMs) };
      const status = { token: `t${runs.length}`, ...expiry };
      return JSON.stringify({ apiVersion: V1, kind: 'ExecCredential', status });
    },
  });
  const hold = () => {
    gate = new Promise((resolve) => (release = resolve));
  };
  return { source, runs, hold, release: () => release(), advance: (ms: number) => (now += ms) };
}

const iso = (ms: number) => new Date(ms).toISOString();
const tokenOf = async (source: ExecCredentialSource) => (await source.credential()).token;

describe('ExecCredentialSource', () => {
  it('should run the plugin once while its token is valid, and again after it expires', async () => {
    const plugin = fakePlugin(60_000);
    assert.equal(await tokenOf(plugin.source), 't1');
    plugin.advance(49_000);
    assert.equal(await tokenOf(plugin.source), 't1');
    assert.equal(plugin.runs.length, 1);
    plugin.advance(2_000); // 51 s: within the 10 s margin before expiry
    assert.equal(await tokenOf(plugin.source), 't2');
    assert.equal(plugin.runs.length, 2);
  });

  it('should answer a cached credential synchronously, without a Promise', async () => {
    const plugin = fakePlugin();
    await plugin.source.credential();
    assert.deepEqual(plugin.source.credential(), { token: 't1' });
  });

  it('should keep a credential without expiry for the whole process', async () => {
    const plugin = fakePlugin();
    await tokenOf(plugin.source);
    plugin.advance(365 * 24 * 3600_000);
    assert.equal(await tokenOf(plugin.source), 't1');
    assert.equal(plugin.runs.length, 1);
  });

  it('should start one process for callers that arrive while it runs', async () => {
    const plugin = fakePlugin();
    plugin.hold();
    const waiting = [tokenOf(plugin.source), tokenOf(plugin.source), tokenOf(plugin.source)];
    plugin.release();
    assert.deepEqual(await Promise.all(waiting), ['t1', 't1', 't1']);
    assert.equal(plugin.runs.length, 1);
  });

  it('should run the plugin again after the apiserver refused its credential, once', async () => {
    const plugin = fakePlugin();
    const refused = await plugin.source.credential();
    plugin.source.refused(refused);
    plugin.source.refused(refused); // a second request refused with the same token
    assert.equal(await tokenOf(plugin.source), 't2');
    plugin.source.refused(refused); // an old credential: the new one stays
    assert.equal(await tokenOf(plugin.source), 't2');
    assert.equal(plugin.runs.length, 2);
  });

  it('should give the plugin its env over ours and the ExecCredential request', async () => {
    const plugin = fakePlugin();
    await tokenOf(plugin.source);
    const [run] = plugin.runs;
    assert.equal(run?.interactive, false);
    assert.equal(run?.env['HOME'], '/home/me');
    assert.equal(run?.env['FROM_KUBECONFIG'], 'yes');
    assert.deepEqual(JSON.parse(run?.env['KUBERNETES_EXEC_INFO'] ?? ''), {
      apiVersion: V1,
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
  });

  it('should not cache a failure: the next call runs the plugin again', async () => {
    let runs = 0;
    const source = new ExecCredentialSource({
      where: WHERE,
      config: config(),
      stdinIsTTY: () => false,
      run: () => {
        runs += 1;
        if (runs === 1) return Promise.reject(new Error('network down'));
        return Promise.resolve(
          JSON.stringify({ apiVersion: V1, kind: 'ExecCredential', status: { token: 'ok' } }),
        );
      },
    });
    await assert.rejects(tokenOf(source), /network down/);
    assert.equal(await tokenOf(source), 'ok');
  });

  it('should refuse an Always plugin without a terminal before starting it', async () => {
    let started = false;
    const source = new ExecCredentialSource({
      where: WHERE,
      config: config({ interactiveMode: 'Always' }),
      stdinIsTTY: () => false,
      run: () => {
        started = true;
        return Promise.resolve('');
      },
    });
    await assert.rejects(tokenOf(source), /standard input is not a terminal/);
    assert.equal(started, false);
  });
});
