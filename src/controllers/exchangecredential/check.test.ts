import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExchangeCredentialSchema } from '../../api/exchangecredential/schema.ts';
import {
  ExchangeUnavailableError,
  type ExchangeApi,
  type ExchangeKey,
  type KeyAnswer,
} from '../../exchanges/types.ts';
import { VaultRequestError } from '../../vault/errors.ts';
import { FakeVault } from '../../vault/fake.ts';
import { askExchange } from './check.ts';

const PATH = 'secret/titan/exchanges/binance';
const credential = ExchangeCredentialSchema.parse({
  apiVersion: 'posture.dev/v1alpha1',
  kind: 'ExchangeCredential',
  metadata: { name: 'binance', namespace: 'titan' },
  spec: { exchange: 'binance', vaultPath: PATH, ipWhitelist: ['203.0.113.10/32'] },
});
const accepted: KeyAnswer = {
  outcome: 'accepted',
  restrictions: {
    withdrawEnabled: false,
    tradeEnabled: true,
    readEnabled: true,
    ipRestricted: true,
  },
};

/** Records the keys it was asked about; answers with `answer` or throws it. */
class RecordingExchanges implements ExchangeApi {
  readonly asked: ExchangeKey[] = [];
  readonly answer: KeyAnswer | Error;
  constructor(answer: KeyAnswer | Error = accepted) {
    this.answer = answer;
  }
  describeKey(_exchange: string, key: ExchangeKey): Promise<KeyAnswer> {
    this.asked.push(key);
    return this.answer instanceof Error
      ? Promise.reject(this.answer)
      : Promise.resolve(this.answer);
  }
}

async function vaultWith(...versions: Record<string, string>[]): Promise<FakeVault> {
  const vault = new FakeVault();
  for (const data of versions) await vault.kvWrite(PATH, data);
  return vault;
}

describe('asking the exchange about the key in Vault', () => {
  it('should sign with the key version whose metadata it saw, and return only the answer', async () => {
    const vault = await vaultWith(
      { apiKey: 'old-key', apiSecret: 'old-secret' },
      { apiKey: 'new-key', apiSecret: 'new-secret' },
    );
    const exchanges = new RecordingExchanges();
    const result = await askExchange({ vault, exchanges }, credential, 1);
    assert.deepEqual(exchanges.asked, [{ apiKey: 'old-key', apiSecret: 'old-secret' }]);
    assert.deepEqual(result, { state: 'answered', answer: accepted });
    assert.doesNotMatch(JSON.stringify(result), /old-key|old-secret/);
  });

  it('should not ask the exchange when the secret lacks apiSecret', async () => {
    const vault = await vaultWith({ apiKey: 'k', secret: 's' });
    const exchanges = new RecordingExchanges();
    const result = await askExchange({ vault, exchanges }, credential, 1);
    assert.equal(result.state, 'unusable');
    assert.match(JSON.stringify(result), /lacks apiKey or apiSecret: write both fields/);
    assert.equal(exchanges.asked.length, 0);
  });

  it("should report Vault refusing the operator's read, naming its policy", async () => {
    const vault = await vaultWith({ apiKey: 'k', apiSecret: 's' });
    vault.kvRead = () =>
      Promise.reject(new VaultRequestError(`GET ${PATH}`, 403, 'permission denied'));
    const result = await askExchange({ vault, exchanges: new RecordingExchanges() }, credential, 1);
    assert.equal(result.state === 'vault' && result.vault.state, 'refused');
    assert.match(JSON.stringify(result), /posture vault operator-policy/);
  });

  it('should report Vault being down as unavailable', async () => {
    const vault = await vaultWith({ apiKey: 'k', apiSecret: 's' });
    vault.available = false;
    const result = await askExchange({ vault, exchanges: new RecordingExchanges() }, credential, 1);
    assert.equal(result.state === 'vault' && result.vault.state, 'unavailable');
  });

  it('should report an exchange that does not answer as unreachable, with its message', async () => {
    const vault = await vaultWith({ apiKey: 'k', apiSecret: 's' });
    const down = new ExchangeUnavailableError(
      'binance GET /sapi/v1/account/apiRestrictions',
      'HTTP 503',
    );
    const result = await askExchange(
      { vault, exchanges: new RecordingExchanges(down) },
      credential,
      1,
    );
    assert.deepEqual(result, {
      state: 'unreachable',
      message: 'binance GET /sapi/v1/account/apiRestrictions: unavailable: HTTP 503',
    });
  });

  it('should let any other error through to the queue', async () => {
    const vault = await vaultWith({ apiKey: 'k', apiSecret: 's' });
    const exchanges = new RecordingExchanges(new TypeError('a bug'));
    await assert.rejects(askExchange({ vault, exchanges }, credential, 1), TypeError);
  });
});
