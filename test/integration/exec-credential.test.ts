import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resourceOf, tradingServiceKind } from '../../src/api/index.ts';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { loadKubeconfig } from '../../src/operator/kube/kubeconfig.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { kubectl, testEnv } from '../support/env.ts';
import { mustKubectl, serviceAccountToken } from '../support/kubernetes-auth.ts';
import {
  WIDGET,
  createTestNamespace,
  eventually,
  installWidgetCrd,
  startTestOperator,
  testKubeClient,
} from '../support/operator.ts';
import { operatorVaultLogin } from '../support/operator-vault.ts';
import { registerWidgetOperator } from '../support/widget-operator.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

/*
 * A kubeconfig whose user is a real exec credential plugin, as on EKS, GKE and AKS: a script
 * that prints an ExecCredential holding a TokenRequest token of a ServiceAccount allowed to
 * read posture's CRs in one namespace. It records every run (with KUBERNETES_EXEC_INFO).
 */

const ns = `exec-cred-${randomBytes(3).toString('hex')}`;
const dir = scratchDir('posture-exec-credential-');
const TRADING_SERVICES = resourceOf(tradingServiceKind);

const PLUGIN = `#!${process.execPath}
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
const [runsFile] = process.argv.slice(2);
const tokens = readFileSync(process.env.POSTURE_TEST_TOKENS, 'utf8').trim().split('\\n');
const runs = existsSync(runsFile) ? readFileSync(runsFile, 'utf8').trim().split('\\n').length : 0;
appendFileSync(runsFile, process.env.KUBERNETES_EXEC_INFO + '\\n');
process.stderr.write('test-login: issued token ' + (runs + 1) + '\\n');
const ttl = Number(process.env.POSTURE_TEST_TTL_SECONDS);
const expiry = new Date(Date.now() + ttl * 1000).toISOString().replace(/\\.\\d+Z$/, 'Z');
const status = { token: tokens[Math.min(runs, tokens.length - 1)] };
if (ttl > 0) status.expirationTimestamp = expiry;
process.stdout.write(JSON.stringify({
  apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status,
}));
`;

interface Login {
  kubeconfig: string;
  /** The KUBERNETES_EXEC_INFO of every run so far. */
  runs: () => { spec: { interactive: boolean; cluster?: { server: string } } }[];
}

/** A kubeconfig in a folder of its own whose plugin hands out `tokens` in turn. */
function login(name: string, tokens: string[], ttlSeconds: number, command = './login.mjs'): Login {
  const folder = join(dir, name);
  const runsFile = join(folder, 'runs');
  const tokensFile = join(folder, 'tokens');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'login.mjs'), PLUGIN);
  chmodSync(join(folder, 'login.mjs'), 0o755);
  writeFileSync(tokensFile, tokens.join('\n'));
  const env = [
    { name: 'POSTURE_TEST_TOKENS', value: tokensFile },
    { name: 'POSTURE_TEST_TTL_SECONDS', value: String(ttlSeconds) },
  ];
  const user = {
    apiVersion: 'client.authentication.k8s.io/v1',
    command,
    args: [runsFile],
    env,
    interactiveMode: 'Never',
    provideClusterInfo: true,
    installHint: 'posture-login-not-installed: see the on-call runbook',
  };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'test',
        cluster: { server: testEnv().kube.server, 'certificate-authority': testEnv().kube.caFile },
      },
    ],
    users: [{ name: 'oncall', user: { exec: user } }],
    contexts: [{ name: 'oncall', context: { cluster: 'test', user: 'oncall' } }],
    'current-context': 'oncall',
  };
  const kubeconfig = join(folder, 'kubeconfig');
  writeFileSync(kubeconfig, JSON.stringify(config, null, 2)); // JSON is YAML
  const runs = () =>
    existsSync(runsFile)
      ? readFileSync(runsFile, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as ReturnType<Login['runs']>[number])
      : [];
  return { kubeconfig, runs };
}

function postureStatus(kubeconfig: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['src/cli/main.ts', 'status', '-n', ns],
      { env: { ...process.env, KUBECONFIG: kubeconfig } },
      (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a kubeconfig with an exec credential plugin against the real apiserver', () => {
  let token = '';

  before(async () => {
    const crds = await kubectl(['apply', '--server-side', '-f', 'charts/posture/crds/']);
    assert.equal(crds.code, 0, crds.stderr);
    for (let i = 0; (await kubectl(['get', 'tradingservices', '-A'])).code !== 0; i += 1) {
      assert.ok(i < 120, 'the TradingService CRD was not served within 30 s');
      await sleep(250);
    }
    await mustKubectl(['create', 'namespace', ns]);
    await mustKubectl(['-n', ns, 'create', 'serviceaccount', 'oncall']);
    const resources = 'tradingservices,hmackeyrings,exchangecredentials';
    await mustKubectl([
      '-n',
      ns,
      'create',
      'role',
      'reader',
      '--verb=get,list',
      `--resource=${resources}`,
    ]);
    await mustKubectl([
      '-n',
      ns,
      'create',
      'rolebinding',
      'oncall',
      '--role=reader',
      `--serviceaccount=${ns}:oncall`,
    ]);
    const yaml = readFileSync('examples/titan/tradingservice-console.yaml', 'utf8').replace(
      'namespace: titan',
      `namespace: ${ns}`,
    );
    const created = await kubectl(['apply', '--server-side', '-f', '-'], yaml);
    assert.equal(created.code, 0, created.stderr);
    token = await serviceAccountToken(ns, 'oncall', { duration: '10m' });
  });

  after(async () => {
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
  });

  it('should let posture status list CRs with the token the plugin printed', async () => {
    const plugin = login('status', [token], 600);
    const { code, out, err } = await postureStatus(plugin.kubeconfig);
    assert.equal(code, 0, err);
    assert.match(out, new RegExp(`TradingService +${ns} +console +Unknown +NotReconciled`));
    assert.match(err, /test-login: issued token 1/, "the plugin's stderr reaches the user");
    const runs = plugin.runs();
    assert.equal(runs.length, 1, 'one run for the three lists');
    assert.equal(runs[0]?.spec.interactive, false, 'no terminal under a test runner');
    assert.equal(runs[0]?.spec.cluster?.server, testEnv().kube.server, 'provideClusterInfo');
  });

  it('should run the plugin once while its token is valid and again after it expires', async () => {
    const plugin = login('expiry', [token], 6);
    const client = new KubeClient({ access: loadKubeconfig(plugin.kubeconfig) });
    for (let i = 0; i < 3; i += 1) {
      const list = await client.listAll(TRADING_SERVICES, { namespace: ns });
      assert.equal(list.items.length, 1);
    }
    assert.equal(plugin.runs().length, 1, 'three requests, one run');
    await sleep(6500);
    await client.listAll(TRADING_SERVICES, { namespace: ns });
    assert.equal(plugin.runs().length, 2, 'the expired token was replaced before the request');
  });

  it('should run the plugin again when the apiserver refuses its token, and carry on', async () => {
    const plugin = login('refused', ['a-token-the-apiserver-does-not-know', token], 0);
    const client = new KubeClient({ access: loadKubeconfig(plugin.kubeconfig) });
    const list = await client.listAll(TRADING_SERVICES, { namespace: ns });
    assert.equal(list.items.length, 1);
    assert.equal(plugin.runs().length, 2, 'a 401, one more run, one resend');
    await client.listAll(TRADING_SERVICES, { namespace: ns });
    assert.equal(plugin.runs().length, 2, 'no expiry: the good token is kept');
  });

  it('should fail posture status naming the missing plugin, the user and the install hint', async () => {
    const plugin = login('missing', [token], 0, 'posture-login-not-installed');
    const { code, err } = await postureStatus(plugin.kubeconfig);
    assert.equal(code, 1);
    assert.match(
      err,
      /users\[oncall\]\.user\.exec: the credential plugin posture-login-not-installed was not found/,
    );
    assert.match(err, /posture-login-not-installed: see the on-call runbook/);
  });

  it('should run the operator out of cluster through the plugin, started once for its burst of requests', async () => {
    const admin = testKubeClient();
    await installWidgetCrd(admin);
    const namespace = await createTestNamespace(admin, 'exec-op');
    const vault = await operatorVaultLogin(namespace);
    // The operator needs more than the reader Role: the environment's admin token.
    const plugin = login('operator', [testEnv().kube.token], 0);
    const operator = startTestOperator({
      namespace,
      podName: 'exec-test',
      register: [({ manager, client }) => registerWidgetOperator(manager, client, namespace)],
      vault,
      kubeconfig: plugin.kubeconfig,
    });
    try {
      await admin.create(WIDGET, { metadata: { name: 'w', namespace }, spec: { size: 3 } });
      const cm = await eventually('the ConfigMap', () =>
        admin.get(RESOURCES.configMap, { name: 'w-size', namespace }),
      );
      assert.deepEqual(cm.data, { size: '3' });
      assert.equal(plugin.runs().length, 1, 'informers, lease and writes shared one run');
    } finally {
      await operator.stop();
      await vault.remove();
      await admin.delete(RESOURCES.namespace, { name: namespace });
    }
  });
});
