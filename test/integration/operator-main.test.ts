import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runOperator } from '../../src/operator/main.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { testEnv } from '../support/env.ts';
import {
  WIDGET,
  createTestNamespace,
  eventually,
  installWidgetCrd,
  testKubeClient,
} from '../support/operator.ts';
import { registerWidgetOperator } from '../support/widget-operator.ts';

describe('posture operator entry point', () => {
  it('should start from flags, serve health, reconcile, and stop cleanly on abort', async () => {
    const env = testEnv();
    if (!env.vault) throw new Error('the test environment has no Vault');
    const admin = testKubeClient();
    await installWidgetCrd(admin);
    const namespace = await createTestNamespace(admin, 'op-main');
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'posture-main-')), 'vault-token');
    writeFileSync(tokenFile, env.vault.token, { mode: 0o600 });
    const stop = new AbortController();
    let port: number | undefined;
    const running = runOperator({
      argv: [
        `--kubeconfig=${env.kube.kubeconfig}`,
        `--vault-addr=${env.vault.addr}`,
        `--vault-token-file=${tokenFile}`,
        '--metrics-port=0',
        '--metrics-host=127.0.0.1',
        `--lease-namespace=${namespace}`,
        '--log-level=warn',
      ],
      env: { POD_NAME: 'main-test' },
      register: [({ manager, client }) => registerWidgetOperator(manager, client, namespace)],
      signal: stop.signal,
      onListening: (p) => (port = p),
    });
    try {
      await eventually(
        'ready',
        async () =>
          (port && (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) || undefined,
      );
      await admin.create(WIDGET, { metadata: { name: 'w', namespace }, spec: { size: 7 } });
      const cm = await eventually('the ConfigMap', () =>
        admin.get(RESOURCES.configMap, { name: 'w-size', namespace }),
      );
      assert.deepEqual(cm.data, { size: '7' });
      const lease = await admin.get(RESOURCES.lease, { name: 'posture-operator', namespace });
      assert.equal((lease?.spec as { holderIdentity?: string }).holderIdentity, 'main-test');
    } finally {
      stop.abort();
      await running;
      await admin.delete(RESOURCES.namespace, { name: namespace });
    }
  });
});
