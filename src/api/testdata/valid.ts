import { GROUP_VERSION } from '../common/metadata.ts';

/**
 * Small valid objects of each kind that tests start from and break one field at a time.
 * Plain JSON (not the zod output types) because the point is to feed them to validators.
 */
import type { Json, JsonObject } from '../../lib/json.ts';

export type { Json, JsonObject } from '../../lib/json.ts';

export const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

export function validTradingService(name = 'brain', namespace = 'titan'): JsonObject {
  return {
    apiVersion: GROUP_VERSION,
    kind: 'TradingService',
    metadata: { name, namespace },
    spec: {
      image: `ghcr.io/titan-platform/${name}@${DIGEST}`,
      ports: [{ name: 'http', port: 8080 }],
      nats: { publish: ['titan.evt.brain.>'], subscribe: ['titan.data.>'] },
      secrets: [
        {
          name: 'TITAN_DB_URL',
          vaultPath: 'secret/titan/brain/postgres',
          key: 'url',
          file: 'db-url',
        },
      ],
      hmac: [{ keyRing: 'command-signals', role: 'signer', env: 'TITAN_HMAC_SECRET' }],
      ingress: [{ service: 'console', ports: [8080] }],
      egress: { fqdns: [{ name: 'api.binance.com' }] },
    },
  };
}

export function validHmacKeyRing(name = 'command-signals', namespace = 'titan'): JsonObject {
  return {
    apiVersion: GROUP_VERSION,
    kind: 'HmacKeyRing',
    metadata: { name, namespace },
    spec: {
      vaultPath: 'secret/titan/hmac/command-signals',
      rotationPeriod: '720h',
      signers: ['brain'],
      listeners: ['execution', 'sentinel'],
    },
  };
}

export function validExchangeCredential(name = 'binance', namespace = 'titan'): JsonObject {
  return {
    apiVersion: GROUP_VERSION,
    kind: 'ExchangeCredential',
    metadata: { name, namespace },
    spec: {
      exchange: 'binance',
      vaultPath: 'secret/titan/exchanges/binance',
      permissions: { read: true, trade: true, withdraw: false },
      ipWhitelist: ['203.0.113.10/32'],
      consumers: ['execution'],
    },
  };
}

/** A deep copy with `value` set at `path` (created as needed); `undefined` deletes the field. */
export function withField(
  object: JsonObject,
  path: readonly (string | number)[],
  value: Json | undefined,
): JsonObject {
  const copy = structuredClone(object);
  let node: Record<string | number, Json> = copy;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string | number, Json>;
  }
  const last = path[path.length - 1];
  if (last === undefined) return copy;
  if (value === undefined) {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}
