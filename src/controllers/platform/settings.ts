import { issueLines } from '../../api/validate/issues.ts';
import { POSTURE_PLATFORM } from '../../api/platform/kind.ts';
import { PLATFORM_OBJECT_NAME } from '../../api/platform/schema.ts';
import { platformSchema, type Platform } from '../../api/platform/settings.ts';
import { canonicalJson } from '../../lib/json.ts';
import type { KubeClient } from '../../operator/kube/client.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import type { Register } from '../kit/deps.ts';

/**
 * The operator's platform settings from the cluster: the PosturePlatform named posture, read once
 * at start and watched; any change to its spec ends the process so the Deployment starts it again
 * with the new settings (docs/adr/0052-platform-settings-object.md).
 */

/** The settings in a PosturePlatform object's spec, or why they cannot be used. */
export function settingsIn(object: KubeObject): { platform: Platform } | { error: string } {
  const result = platformSchema.safeParse((object as { spec?: unknown }).spec ?? {});
  if (result.success) return { platform: result.data };
  return {
    error: `PosturePlatform ${PLATFORM_OBJECT_NAME} is invalid:\n  ${issueLines(result.error).join('\n  ')}`,
  };
}

export const MISSING_MESSAGE =
  `PosturePlatform ${PLATFORM_OBJECT_NAME} not found: apply the platform settings first ` +
  '(kubectl apply --server-side -f platform.yaml, a PosturePlatform named posture), ' +
  'or run outside a cluster with --platform FILE';

/** Reads the settings at start; throws with the fix when the object is missing or invalid. */
export async function clusterPlatform(client: Pick<KubeClient, 'get'>): Promise<Platform> {
  const object = await client.get(POSTURE_PLATFORM, { name: PLATFORM_OBJECT_NAME });
  if (!object) throw new Error(MISSING_MESSAGE);
  const read = settingsIn(object);
  if ('error' in read) throw new Error(read.error);
  return read.platform;
}

/**
 * The chart's RBAC lets the operator write the NATS auth Secret in one namespace only; settings
 * naming another would fail later as Forbidden, far from the cause. Undefined when they agree.
 */
export function natsNamespaceProblem(platform: Platform, allowed: string | undefined) {
  if (allowed === undefined || platform.nats.namespace === allowed) return undefined;
  return (
    `PosturePlatform ${PLATFORM_OBJECT_NAME} has nats.namespace ${platform.nats.namespace}, but this ` +
    `operator may write the NATS auth Secret only in ${allowed} (--nats-namespace, the chart's ` +
    'nats.namespace): make them the same'
  );
}

export type SettingsVerdict = 'same' | 'changed' | 'deleted' | 'other';

/**
 * What a watch event means for settings loaded at start. Only the spec counts (labels or status
 * do not restart anything), compared after defaults, so spelling a default out changes nothing.
 */
export function settingsVerdict(
  loaded: Platform,
  type: 'add' | 'update' | 'delete',
  object: KubeObject,
): SettingsVerdict {
  if (object.metadata.name !== PLATFORM_OBJECT_NAME) return 'other';
  if (type === 'delete') return 'deleted';
  const read = settingsIn(object);
  if ('error' in read) return 'changed';
  return canonicalJson(read.platform) === canonicalJson(loaded) ? 'same' : 'changed';
}

/**
 * Watches the PosturePlatform and calls `restart` once when the settings the operator runs with
 * are no longer the cluster's. Every replica watches (not only the leader): a follower must not
 * take over later with old settings.
 */
export function platformWatch(loaded: Platform, restart: () => void): Register {
  return ({ manager, log }) => {
    let done = false;
    manager.informer({ resource: POSTURE_PLATFORM }).onChange(({ type, object }) => {
      const verdict = settingsVerdict(loaded, type, object);
      if (done || verdict === 'same' || verdict === 'other') return;
      done = true;
      log.warn(
        { name: PLATFORM_OBJECT_NAME, change: verdict },
        'platform settings changed: stopping so the operator starts again with them',
      );
      restart();
    });
  };
}
