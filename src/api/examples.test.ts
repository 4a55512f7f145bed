import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { ExchangeCredential, HmacKeyRing, PostureResource, TradingService } from './index.ts';
import { validateObject } from './validate/validate.ts';

const DIR = 'examples/titan';

function load(): PostureResource[] {
  const objects: PostureResource[] = [];
  for (const file of readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(DIR, file), 'utf8')) as {
      toJS(): unknown;
    }[]) {
      const verdict = validateObject(doc.toJS());
      assert.notEqual(verdict.status, 'invalid', `${file}: ${JSON.stringify(verdict)}`);
      if (verdict.status === 'valid') objects.push(verdict.object);
    }
  }
  return objects;
}

const objects = load();
const services = new Map(
  objects
    .filter((o): o is TradingService => o.kind === 'TradingService')
    .map((o) => [o.metadata.name, o]),
);
const credentials = objects.filter((o): o is ExchangeCredential => o.kind === 'ExchangeCredential');
const rings = objects.filter((o): o is HmacKeyRing => o.kind === 'HmacKeyRing');

describe('the Titan examples', () => {
  it('should hold the eight services, three exchange credentials and one key ring, all in titan', () => {
    assert.deepEqual([...services.keys()].sort(), [
      'brain',
      'console',
      'execution',
      'hunter',
      'powerlaw',
      'quant',
      'scavenger',
      'sentinel',
    ]);
    assert.deepEqual(credentials.map((c) => c.spec.exchange).sort(), [
      'binance',
      'bybit',
      'gemini',
    ]);
    assert.equal(rings.length, 1);
    const namespaced = objects.filter((o) => o.kind !== 'PosturePlatform');
    assert.ok(namespaced.every((o) => o.metadata.namespace === 'titan'));
  });

  it('should keep console read-only: subscribe titan.data.> and titan.evt.>, publish nothing', () => {
    const nats = services.get('console')?.spec.nats;
    assert.deepEqual(nats?.publish, []);
    assert.deepEqual(nats?.subscribe, ['titan.data.>', 'titan.evt.>']);
  });

  it('should let brain sign and execution and sentinel verify, on both sides of the grant', () => {
    const [ring] = rings;
    assert.deepEqual(ring?.spec.signers, ['brain']);
    assert.deepEqual(ring?.spec.listeners, ['execution', 'sentinel']);
    for (const ts of services.values()) {
      for (const use of ts.spec.hmac) {
        const members = use.role === 'signer' ? ring?.spec.signers : ring?.spec.listeners;
        assert.ok(
          members?.includes(ts.metadata.name),
          `${ts.metadata.name} is not a ${use.role} of the ring`,
        );
        assert.equal(`${use.env}_FILE`, 'TITAN_HMAC_SECRET_FILE');
      }
    }
  });

  it('should make every exchange key trade-only, IP-bound and readable by execution only', () => {
    for (const c of credentials) {
      assert.equal(c.spec.permissions.withdraw, false);
      assert.ok(c.spec.ipWhitelist.length > 0);
      assert.deepEqual(c.spec.consumers, ['execution']);
    }
    assert.deepEqual(services.get('execution')?.spec.exchangeCredentials, [
      'binance',
      'bybit',
      'gemini',
    ]);
  });

  it('should pin every image by digest', () => {
    for (const ts of services.values()) assert.match(ts.spec.image, /@sha256:[a-f0-9]{64}$/);
  });
});
