/**
 * KV v2 addressing. posture names a secret by `<mount>/<path>` (e.g. `secret/titan/hmac`);
 * the API reads data at `<mount>/data/<path>` and metadata at `<mount>/metadata/<path>`.
 */
export interface KvPaths {
  mount: string;
  path: string;
  data: string;
  metadata: string;
}

const SEGMENT = /^[A-Za-z0-9_.+-]+$/;

export function kvPaths(kvPath: string): KvPaths {
  const parts = kvPath.replace(/^\/+|\/+$/g, '').split('/');
  const [mount, ...rest] = parts;
  const bad = parts.find((part) => !SEGMENT.test(part) || part === '.' || part === '..');
  if (!mount || rest.length === 0 || bad !== undefined) {
    throw new Error(
      `KV path ${JSON.stringify(kvPath)} must be <mount>/<path> of [A-Za-z0-9_.+-] segments`,
    );
  }
  const path = rest.join('/');
  return { mount, path, data: `${mount}/data/${path}`, metadata: `${mount}/metadata/${path}` };
}

export interface KvSecret {
  data: Record<string, string>;
  version: number;
  createdTime: string;
}

export interface KvVersion {
  version: number;
  createdTime: string;
}

export interface KvMetadata {
  currentVersion: number;
  /** When the secret (its first version) was created. */
  createdTime: string;
  updatedTime: string;
  versions: Record<number, { createdTime: string; deletionTime: string; destroyed: boolean }>;
}

/** Age in seconds of the current version (posture_exchange_key_age_seconds). */
export function currentVersionAgeSeconds(metadata: KvMetadata, now: number): number {
  const created = metadata.versions[metadata.currentVersion]?.createdTime ?? metadata.updatedTime;
  return Math.max(0, Math.floor((now - Date.parse(created)) / 1000));
}
