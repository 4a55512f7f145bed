import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPlatformDir } from '../gitops/source.ts';
import { FakeVault } from '../vault/fake.ts';
import { declaredSecrets, seedDevSecrets } from './dev-seed.ts';

const titan = readPlatformDir('examples/titan').resources;

describe('dev secrets for `posture dev up`', () => {
  it('should list every path the Titan CRs declare with the fields their readers expect', () => {
    const paths = declaredSecrets(titan);
    assert.deepEqual(paths.get('secret/titan/exchanges/binance'), ['apiKey', 'apiSecret']);
    const ring = titan.hmacKeyRings[0]?.object.spec.vaultPath ?? '';
    assert.deepEqual(paths.get(ring), ['keyId', 'primary']);
  });

  it('should write random values once and leave existing secrets alone', async () => {
    const vault = new FakeVault();
    await vault.kvWrite('secret/titan/exchanges/binance', { apiKey: 'mine', apiSecret: 'mine' });
    const written = await seedDevSecrets(vault, titan);
    assert.equal(written, declaredSecrets(titan).size - 1);
    const kept = await vault.kvRead('secret/titan/exchanges/binance');
    assert.equal(kept?.data['apiKey'], 'mine');
    const seeded = await vault.kvRead('secret/titan/exchanges/bybit');
    assert.match(seeded?.data['apiKey'] ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(seeded?.data['apiKey'], seeded?.data['apiSecret']);
    assert.equal(await seedDevSecrets(vault, titan), 0, 'a second run writes nothing');
  });
});
