import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inClusterAccess, loadKubeconfig, tokenFromFile } from './kubeconfig.ts';
import { scratchDir } from '../../lib/testing/scratch.ts';

const dir = scratchDir('posture-kubeconfig-');
const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(
  name: string,
  user: string,
  cluster = 'server: https://127.0.0.1:6443/',
): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c',
      '  cluster:',
      `    ${cluster}`,
      `    certificate-authority-data: ${b64('CA PEM')}`,
      'users:',
      '- name: u',
      '  user:',
      `    ${user}`,
      'contexts:',
      '- name: x',
      '  context: { cluster: c, user: u }',
      'current-context: x',
    ].join('\n'),
  );
  return file;
}

describe('loadKubeconfig', () => {
  it('should read the server, the CA and a token of the current context', () => {
    const access = loadKubeconfig(kubeconfig('token.yaml', 'token: abc'));
    assert.equal(access.server, 'https://127.0.0.1:6443');
    assert.equal(access.tls.ca, 'CA PEM');
    assert.equal(access.token?.(), 'abc');
  });

  it('should read a client certificate and key from data fields', () => {
    const user = `client-certificate-data: ${b64('CERT')}\n    client-key-data: ${b64('KEY')}`;
    const access = loadKubeconfig(kubeconfig('cert.yaml', user));
    assert.deepEqual([access.tls.cert, access.tls.key], ['CERT', 'KEY']);
    assert.equal(access.token, undefined);
  });

  it('should read a tokenFile relative to the kubeconfig', () => {
    writeFileSync(join(dir, 'sa-token'), 'from-file\n');
    const access = loadKubeconfig(kubeconfig('tokenfile.yaml', 'tokenFile: sa-token'));
    assert.equal(access.token?.(), 'from-file');
  });

  const refused: [string, string, RegExp][] = [
    [
      'an auth-provider plugin',
      'auth-provider: { name: gcp }',
      /users\[u\]\.user\.auth-provider: auth-provider plugins are not supported.*use an exec/,
    ],
    [
      'an exec plugin without interactiveMode in apiVersion v1',
      'exec: { apiVersion: client.authentication.k8s.io/v1, command: aws }',
      /refused\.yaml: users\[u\]\.user\.exec\.interactiveMode: required/,
    ],
    ['basic auth', 'username: admin', /users\[u\]\.user\.username: basic auth is not supported/],
    ['a certificate without its key', `client-certificate-data: ${b64('CERT')}`, /needs its key/],
  ];
  for (const [what, user, message] of refused) {
    it(`should refuse ${what}, naming the field and the fix`, () => {
      assert.throws(() => loadKubeconfig(kubeconfig('refused.yaml', user)), message);
    });
  }

  it('should run an exec plugin for the token, with the cluster it asked for', async () => {
    const plugin = join(dir, 'bin', 'login');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    const status = JSON.stringify({ token: 'from-plugin' });
    const printed = `{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":${status}}`;
    writeFileSync(
      plugin,
      `#!/bin/sh\nprintf '%s' "$KUBERNETES_EXEC_INFO" > "$0.info"\nprintf '%s' '${printed}'\n`,
    );
    chmodSync(plugin, 0o755);
    const exec = [
      'exec:',
      '      apiVersion: client.authentication.k8s.io/v1beta1',
      '      command: ./bin/login',
      '      provideClusterInfo: true',
    ].join('\n');
    const access = loadKubeconfig(kubeconfig('exec.yaml', exec));
    assert.ok(access.plugin, 'the transport gets the plugin');
    assert.equal(await access.token?.(), 'from-plugin');
    assert.equal(access.token?.(), 'from-plugin', 'then from the cache, synchronously');
    const info = JSON.parse(readFileSync(`${plugin}.info`, 'utf8')) as unknown;
    assert.deepEqual(info, {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64('CA PEM') },
      },
    });
  });

  it('should prefer the user token to its exec plugin, as kubectl does', () => {
    const user =
      'token: abc\n    exec: { apiVersion: client.authentication.k8s.io/v1, command: aws }';
    const access = loadKubeconfig(kubeconfig('token-and-exec.yaml', user));
    assert.equal(access.plugin, undefined);
    assert.equal(access.token?.(), 'abc');
  });

  it('should name a missing server', () => {
    assert.throws(
      () =>
        loadKubeconfig(kubeconfig('noserver.yaml', 'token: a', 'insecure-skip-tls-verify: true')),
      /clusters\[c\]\.cluster\.server: missing/,
    );
  });
});

describe('inClusterAccess', () => {
  it('should use the ServiceAccount token and CA and the service host (IPv6 bracketed)', () => {
    writeFileSync(join(dir, 'ca.crt'), 'CLUSTER CA');
    writeFileSync(join(dir, 'token'), 'pod-token');
    const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };
    const access = inClusterAccess(env, dir);
    assert.equal(access.server, 'https://[fd00::1]:443');
    assert.equal(access.tls.ca, 'CLUSTER CA');
    assert.equal(access.token?.(), 'pod-token');
  });

  it('should say how to point it at a cluster when not in one', () => {
    assert.throws(() => inClusterAccess({}, dir), /pass --kubeconfig or set KUBECONFIG/);
  });
});

describe('tokenFromFile', () => {
  it('should read a rotated token again after a minute, not on every request', () => {
    const file = join(dir, 'rotating');
    let now = 0;
    writeFileSync(file, 'one');
    const token = tokenFromFile(file, () => now);
    assert.equal(token(), 'one');
    writeFileSync(file, 'two');
    now = 30_000;
    assert.equal(token(), 'one');
    now = 61_000;
    assert.equal(token(), 'two');
  });
});
