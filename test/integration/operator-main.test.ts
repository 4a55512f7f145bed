import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
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

describe('posture operator entry point', () => {
  it('should start from flags, serve health, reconcile, and stop cleanly on abort', async () => {
    const admin = testKubeClient();
    await installWidgetCrd(admin);
    const namespace = await createTestNamespace(admin, 'op-main');
    const login = await operatorVaultLogin(namespace);
    const operator = startTestOperator({
      namespace,
      podName: 'main-test',
      register: [({ manager, client }) => registerWidgetOperator(manager, client, namespace)],
      vault: login,
    });
    try {
      await eventually('ready', async () => {
        const port = operator.port();
        return (
          (port && (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) || undefined
        );
      });
      await admin.create(WIDGET, { metadata: { name: 'w', namespace }, spec: { size: 7 } });
      const cm = await eventually('the ConfigMap', () =>
        admin.get(RESOURCES.configMap, { name: 'w-size', namespace }),
      );
      assert.deepEqual(cm.data, { size: '7' });
      const lease = await admin.get(RESOURCES.lease, { name: 'posture-operator', namespace });
      assert.equal((lease?.spec as { holderIdentity?: string }).holderIdentity, 'main-test');
    } finally {
      await operator.stop();
      await login.remove();
      await admin.delete(RESOURCES.namespace, { name: namespace });
    }
  });
});
