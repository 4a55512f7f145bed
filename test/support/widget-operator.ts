/**
 * A minimal operator built on the runtime, for integration tests of the runtime itself:
 * each Widget owns a ConfigMap `<name>-size` holding spec.size, and reports Ready in status.
 * It follows the posture pattern: gather (caches) → decide (pure) → apply (only what differs).
 */
import { applyIfChanged } from '../../src/operator/kube/apply.ts';
import type { KubeWrites } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { ownerKeys, type ReconcileRequest } from '../../src/operator/controller.ts';
import type { Manager } from '../../src/operator/manager.ts';
import {
  ConditionType,
  nextStatus,
  statusEqual,
  type ObjectStatus,
} from '../../src/controllers/kit/conditions.ts';
import { WIDGET } from './operator.ts';
import { Reason } from '../../src/controllers/kit/reasons.ts';

interface Widget extends KubeObject {
  spec?: { size?: number };
  status?: ObjectStatus;
}

function desiredConfigMap(widget: Widget): KubeObject {
  const { name = '', namespace, uid = '' } = widget.metadata;
  return {
    metadata: {
      name: `${name}-size`,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'posture' },
      ownerReferences: [
        {
          apiVersion: `${WIDGET.group}/${WIDGET.version}`,
          kind: 'Widget',
          name,
          uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    data: { size: String(widget.spec?.size ?? 0) },
  };
}

export function registerWidgetOperator(
  manager: Manager,
  client: KubeWrites,
  namespace: string,
): void {
  const widgets = manager.informer<Widget>({ resource: WIDGET, namespace });
  const configMaps = manager.informer({
    resource: RESOURCES.configMap,
    namespace,
    labelSelector: 'app.kubernetes.io/managed-by=posture',
  });
  const reconcile = async ({ object, signal }: ReconcileRequest<Widget>): Promise<void> => {
    if (!object || object.metadata.deletionTimestamp) return;
    const desired = desiredConfigMap(object);
    const live = configMaps.store.get(`${namespace}/${desired.metadata.name}`);
    await applyIfChanged(client, RESOURCES.configMap, desired, live);
    const ready = {
      type: ConditionType.Ready,
      status: 'True' as const,
      reason: Reason.Reconciled,
      message: 'size applied',
    };
    const status = nextStatus(
      object.status,
      { generation: object.metadata.generation ?? 0, conditions: [ready] },
      new Date(),
    );
    if (statusEqual(object.status, status)) return;
    await client.applyStatus(
      WIDGET,
      { metadata: { name: object.metadata.name, namespace }, status },
      signal,
    );
  };
  manager.controller<Widget>({
    kind: 'Widget',
    informer: widgets,
    watches: [{ informer: configMaps, map: ownerKeys('Widget') }],
    reconcile,
  });
}
