import type { ExchangeCredential } from '../../api/exchangecredential/schema.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { kvDataPath } from '../../render/build-model.ts';
import type { ServiceModel } from '../../render/model.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { pathRefusal } from '../../render/tenancy.ts';
import { kvPaths } from '../../vault/kv.ts';

/**
 * Secret version pinning (docs/adr/0045): the operator pins every file a service reads to the
 * KV version Vault holds now, so a new version changes the pod template and the Deployment
 * rolls; Vault Agent (pre-populate only) reads that version when the pod starts. The operator
 * reads KV metadata only, never a value. `posture synth` has no Vault and renders no pin.
 */

/** Current KV versions by logical path (`<mount>/<path>`), as gather read them. */
export type SecretVersions = ReadonlyMap<string, number>;

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

function isKvPath(path: string): boolean {
  try {
    kvPaths(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The logical KV paths whose current version the service's files should be pinned to: its
 * plain secrets and the exchange credentials that list it, where its namespace may name them.
 * Read from the cached object before it is validated: what is not a path is skipped here and
 * reported by decide.
 */
export function versionedPaths(
  object: KubeObject,
  credentials: readonly ExchangeCredential[],
  platform: Platform,
): string[] {
  const { namespace = '', name = '' } = object.metadata;
  const spec = (object as { spec?: { secrets?: unknown; exchangeCredentials?: unknown } }).spec;
  const secrets = Array.isArray(spec?.secrets)
    ? strings(spec.secrets.map((s) => (s as { vaultPath?: unknown } | null)?.vaultPath))
    : [];
  const named = new Set(strings(spec?.exchangeCredentials));
  const exchange = credentials
    .filter((c) => named.has(c.metadata.name) && c.spec.consumers.includes(name))
    .map((c) => c.spec.vaultPath)
    .filter((path) => pathRefusal(platform, namespace, path, 'owned') === undefined);
  const readable = secrets.filter(
    (p) => pathRefusal(platform, namespace, p, 'secret') === undefined,
  );
  return [...new Set([...readable, ...exchange])].filter(isKvPath).sort();
}

/**
 * Pure: the model with each file pinned to a KV version. A file that already names one keeps
 * it (an HmacKeyRing decides its members' versions); the NATS seed takes the NKey rotation's
 * pin; every other file the version gather read, or none when Vault holds none yet.
 */
export function pinnedModel(
  model: ServiceModel,
  versions: SecretVersions,
  seed?: { dataPath: string; version: number },
): ServiceModel {
  const byDataPath = new Map([...versions].map(([path, v]) => [kvDataPath(path), v]));
  const files = model.files.map((file) => {
    if (file.version !== undefined) return file;
    const version =
      seed && file.vaultPath === seed.dataPath ? seed.version : byDataPath.get(file.vaultPath);
    return version === undefined ? file : { ...file, version };
  });
  return { ...model, files };
}
