import { createUser } from '@nats-io/nkeys';
import { readPlatformDir, type PlatformSource } from '../../src/gitops/source.ts';
import type { Sourced } from '../../src/render/build-model.ts';

/** The platform the render integration tests use: the Titan example. */
export const EXAMPLE_DIR = 'examples/titan';

type Namespaced = { metadata: { namespace?: string | undefined } };

function moved<T extends Namespaced>(
  items: readonly Sourced<T>[],
  ns: (n: string) => string,
): Sourced<T>[] {
  return items.map(({ object, file }) => ({
    object: {
      ...object,
      metadata: { ...object.metadata, namespace: ns(object.metadata.namespace ?? '') },
    },
    ...(file !== undefined && { file }),
  }));
}

// Workload peers keep their namespace: it names pods outside the example, not a moved service.
const movedPeer =
  (ns: (n: string) => string) =>
  <P extends { namespace?: string | undefined }>(p: P): P =>
    p.namespace === undefined ? p : { ...p, namespace: ns(p.namespace) };

/**
 * The example with every namespace suffixed, so tests that apply it to the shared apiserver do
 * not collide with each other: `titan` becomes `titan-<suffix>`, NATS lives in `nats-<suffix>`,
 * and the Vault paths move along (`secret/titan-<suffix>/...`): a namespace owns only its own
 * prefix (docs/adr/0037).
 */
export function withNamespaceSuffix(source: PlatformSource, suffix: string): PlatformSource {
  return withVaultPathSuffix(namespacesMoved(source, suffix), suffix);
}

function namespacesMoved(source: PlatformSource, suffix: string): PlatformSource {
  const ns = (n: string) => `${n}-${suffix}`;
  const services = moved(source.resources.tradingServices, ns).map(({ object, file }) => {
    const spec = {
      ...object.spec,
      ingress: object.spec.ingress.map(movedPeer(ns)),
      egress: { ...object.spec.egress, services: object.spec.egress.services.map(movedPeer(ns)) },
    };
    return { object: { ...object, spec }, ...(file !== undefined && { file }) };
  });
  const users = Object.fromEntries(
    Object.entries(source.platform.nats.users).map(([k, v]) => [
      ns(k.split('/')[0]!) + '/' + k.split('/')[1]!,
      v,
    ]),
  );
  const keyMoved = <T>(record: Record<string, T>) =>
    Object.fromEntries(
      Object.entries(record).map(([k, v]) => [`${ns(k.split('/')[0]!)}/${k.split('/')[1]!}`, v]),
    );
  const argocd = source.platform.argocd && {
    ...source.platform.argocd,
    namespace: ns(source.platform.argocd.namespace),
    environments: Object.fromEntries(
      Object.entries(source.platform.argocd.environments).map(([env, e]) => [
        env,
        { ...e, replicas: keyMoved(e.replicas), images: keyMoved(e.images) },
      ]),
    ),
  };
  return {
    ...source,
    platform: {
      ...source.platform,
      nats: { ...source.platform.nats, namespace: ns(source.platform.nats.namespace), users },
      ...(argocd && { argocd }),
      ...(source.platform.devtron && {
        devtron: { ...source.platform.devtron, namespace: ns(source.platform.devtron.namespace) },
      }),
    },
    resources: {
      tradingServices: services,
      exchangeCredentials: moved(source.resources.exchangeCredentials, ns),
      hmacKeyRings: moved(source.resources.hmacKeyRings, ns),
    },
  };
}

/**
 * The example with a fresh NKey pair per NATS user: the public keys go into the platform, the
 * seeds stay in the test, as they would stay in Vault.
 */
export function withFreshNkeys(source: PlatformSource): {
  source: PlatformSource;
  seeds: Map<string, Uint8Array>;
} {
  const seeds = new Map<string, Uint8Array>();
  const users: Record<string, string> = {};
  for (const { object } of source.resources.tradingServices) {
    if (!object.spec.nats) continue;
    const pair = createUser();
    const id = `${object.metadata.namespace}/${object.metadata.name}`;
    users[id] = pair.getPublicKey();
    seeds.set(id, pair.getSeed());
  }
  const platform = { ...source.platform, nats: { ...source.platform.nats, users } };
  return { source: { ...source, platform }, seeds };
}

export function readExample(): PlatformSource {
  const source = readPlatformDir(EXAMPLE_DIR);
  if (source.problems.length > 0) {
    throw new Error(
      `${EXAMPLE_DIR} is invalid: ${source.problems.map((p) => p.message).join('; ')}`,
    );
  }
  return source;
}

const movedVaultPath = (suffix: string) => (path: string) =>
  path.replace(/^([^/]+)\/([^/]+)\//, `$1/$2-${suffix}/`);

/**
 * The example with every Vault path's first segment suffixed (`secret/titan/brain/postgres`
 * becomes `secret/titan-<suffix>/brain/postgres`), so tests that seed values never touch each
 * other's (or `posture dev up`'s) secrets.
 */
export function withVaultPathSuffix(source: PlatformSource, suffix: string): PlatformSource {
  const move = movedVaultPath(suffix);
  const { tradingServices, exchangeCredentials, hmacKeyRings } = source.resources;
  const withPath = <T extends { spec: { vaultPath: string } }>(items: readonly Sourced<T>[]) =>
    items.map(({ object, file }) => ({
      object: { ...object, spec: { ...object.spec, vaultPath: move(object.spec.vaultPath) } },
      ...(file !== undefined && { file }),
    }));
  return {
    ...source,
    resources: {
      tradingServices: tradingServices.map(({ object, file }) => {
        const secrets = object.spec.secrets.map((s) => ({ ...s, vaultPath: move(s.vaultPath) }));
        const spec = { ...object.spec, secrets };
        return { object: { ...object, spec }, ...(file !== undefined && { file }) };
      }),
      exchangeCredentials: withPath(exchangeCredentials),
      hmacKeyRings: withPath(hmacKeyRings),
    },
  };
}
