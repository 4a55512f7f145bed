import { CHILD_RESOURCES } from '../../src/controllers/tradingservice/apply.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import type { Resource } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { renderResources } from '../../src/render/index.ts';
import type { syntheticPlatform } from '../../src/render/testing/synthetic.ts';

/** The rendered children of every service (the kinds the operator applies), in their namespaces. */
export function renderedChildren(input: ReturnType<typeof syntheticPlatform>): KubeObject[] {
  const { platform, resources } = input;
  const nkeys = (s: { namespace: string; name: string }) =>
    platform.nats.users[`${s.namespace}/${s.name}`];
  const rendered = renderResources({ platform, resources, nkeys });
  return rendered.objects
    .map((o) => o.manifest as unknown as KubeObject)
    .filter((m) => kindOf(m) in CHILD_RESOURCES);
}

const kindOf = (object: KubeObject) => (object as { kind?: string }).kind ?? '';

/** Where a child is served, as the operator applies it. */
export function childResource(object: KubeObject): Resource {
  const resource = CHILD_RESOURCES[kindOf(object)];
  if (!resource) throw new Error(`no resource for ${kindOf(object)}`);
  return resource;
}

/**
 * The apiserver's limit for a converge: every object server-side applied through posture's
 * KubeClient with `pool` requests in flight, timed from the first request to the last answer.
 * No reads, no Vault, no status: what no operator writing these objects can beat.
 */
export async function applyAtLimit(
  client: KubeClient,
  objects: readonly KubeObject[],
  pool: number,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < objects.length; i = next++) {
      const object = objects[i] as KubeObject;
      await client.apply(childResource(object), object);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: pool }, worker));
  return performance.now() - started;
}

/**
 * The objects moved to namespaces `<prefix>-<ns>`, so each run writes fresh objects, and
 * labelled as the bench's: with posture's managed-by label the operator's informers would list
 * and cache the kubectl side's copies (4 per service) during its own run, memory and watch
 * traffic no real cluster adds.
 */
export function movedTo(objects: readonly unknown[], prefix: string): KubeObject[] {
  return JSON.parse(
    JSON.stringify(objects)
      .replaceAll('"namespace":"team-', `"namespace":"${prefix}-team-`)
      .replaceAll(`"${MANAGED_BY_KEY}":"posture"`, `"${MANAGED_BY_KEY}":"bench"`),
  ) as KubeObject[];
}

const MANAGED_BY_KEY = 'app.kubernetes.io/managed-by';
