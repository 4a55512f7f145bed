/**
 * The CRDs generated from the zod schemas, on the real kube-apiserver: the apiserver and
 * `posture validate` must reject the same malformed objects and accept the same valid ones.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import {
  exchangeCredentialArb,
  hmacKeyRingArb,
  tradingServiceArb,
} from '../../src/api/testdata/arbitraries.ts';
import { MALFORMED } from '../../src/api/testdata/malformed.ts';
import { mutated } from '../../src/api/testdata/mutations.ts';
import {
  validExchangeCredential,
  validHmacKeyRing,
  withField,
  type JsonObject,
} from '../../src/api/testdata/valid.ts';
import { validateObject } from '../../src/api/validate/validate.ts';
import { formatPath } from '../../src/api/validate/issues.ts';
import { installPostureCrds } from '../support/crds.ts';
import { kubectl } from '../support/env.ts';

const ns = `crds-${randomBytes(3).toString('hex')}`;

/** Namespaced objects go to the test's namespace; the cluster-scoped PosturePlatform stays as is. */
function inNamespace(object: JsonObject): JsonObject {
  if (object['kind'] === 'PosturePlatform') return object;
  return withField(object, ['metadata', 'namespace'], ns);
}

const create = (object: JsonObject, dryRun = false) =>
  kubectl(
    ['create', '--validate=strict', ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'],
    JSON.stringify(inNamespace(object)),
  );

const serverSideApply = (object: JsonObject) =>
  kubectl(
    ['apply', '--server-side', '--validate=strict', '--field-manager=posture-tests', '-f', '-'],
    JSON.stringify(inNamespace(object)),
  );

function matches(text: string, expected: string | RegExp): boolean {
  return typeof expected === 'string' ? text.includes(expected) : expected.test(text);
}

function examples(): JsonObject[] {
  const dir = join(import.meta.dirname, '../../examples/titan');
  const objects: JsonObject[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8')) as {
      toJS(): unknown;
    }[]) {
      const raw = doc.toJS() as JsonObject;
      if (validateObject(raw).status !== 'skipped') objects.push(raw);
    }
  }
  return objects;
}

describe('posture CRDs on the real apiserver', () => {
  before(async () => {
    await installPostureCrds();
    const made = await kubectl(['create', 'namespace', ns]);
    assert.equal(made.code, 0, made.stderr);
  });
  after(async () => {
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
  });

  it('should accept every Titan example with strict field validation', async () => {
    for (const object of examples()) {
      const applied = await serverSideApply(object);
      assert.equal(applied.code, 0, applied.stderr);
    }
  });

  it('should show the printer columns in kubectl get tradingservices', async () => {
    const got = await kubectl(['get', 'tradingservices', '-n', ns]);
    assert.equal(got.code, 0, got.stderr);
    const header = got.stdout.split('\n')[0] ?? '';
    assert.match(header, /^NAME\s+REPLICAS\s+AVAILABLE\s+READY\s+AGE$/);
    assert.match(got.stdout, /\nexecution\s+2\s/);
    const wide = await kubectl(['get', 'ts', '-n', ns, '-o', 'wide']);
    assert.match(wide.stdout.split('\n')[0] ?? '', /IMAGE/);
  });

  it('should list all three kinds under the posture category and their short names', async () => {
    const got = await kubectl(['get', 'posture', '-n', ns, '-o', 'name']);
    assert.equal(got.code, 0, got.stderr);
    for (const name of [
      'tradingservice.posture.dev/console',
      'hmackeyring.posture.dev/command-signals',
      'exchangecredential.posture.dev/gemini',
    ]) {
      assert.ok(got.stdout.includes(name), `${name} missing from kubectl get posture`);
    }
    assert.equal((await kubectl(['get', 'xc,hkr', '-n', ns])).code, 0);
  });

  it('should show the field descriptions in kubectl explain tradingservice.spec', async () => {
    const explained = await kubectl(['explain', 'tradingservice.spec']);
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(
      explained.stdout,
      /image\s+<string> -required-\s+Container image pinned by digest/,
    );
    assert.match(explained.stdout, /securityContext\s+<Object>\s+Hardened by default/);
    const nats = await kubectl(['explain', 'tradingservice.spec.nats.publish']);
    assert.match(nats.stdout, /Subjects the service may publish to/);
  });

  describe('malformed objects', () => {
    for (const c of MALFORMED) {
      it(`should reject ${c.name}, in the apiserver and in posture validate`, async () => {
        const verdict = validateObject(c.object);
        assert.equal(verdict.status, 'invalid');
        if (verdict.status === 'invalid')
          assert.ok(verdict.problems.some((p) => formatPath(p.path) === c.path));
        const created = await create(c.object);
        assert.notEqual(created.code, 0, `the apiserver accepted ${c.name}`);
        assert.ok(matches(created.stderr, c.apiserver), `kubectl create said: ${created.stderr}`);
        const applied = await serverSideApply(c.object);
        assert.notEqual(applied.code, 0, `server-side apply accepted ${c.name}`);
        const field =
          c.path
            .split(/[.[\]]/)
            .filter((s) => s !== '' && !/^[0-9]+$/.test(s))
            .pop() ?? '';
        assert.ok(
          matches(applied.stderr, c.apiserver) || applied.stderr.includes(field),
          applied.stderr,
        );
      });
    }
  });

  describe('immutable fields (transition rules only the apiserver can check)', () => {
    const cases: [string, JsonObject, (string | number)[], string][] = [
      [
        'should refuse to change the exchange of an ExchangeCredential',
        validExchangeCredential('immutable-xc'),
        ['spec', 'exchange'],
        'bybit',
      ],
      [
        'should refuse to move an HmacKeyRing to another Vault path',
        validHmacKeyRing('immutable-hkr'),
        ['spec', 'vaultPath'],
        'secret/titan/hmac/other',
      ],
    ];
    for (const [name, object, path, value] of cases) {
      it(name, async () => {
        assert.equal((await serverSideApply(object)).code, 0);
        const changed = await serverSideApply(withField(object, path, value));
        assert.notEqual(changed.code, 0);
        assert.match(changed.stderr, /is immutable/);
      });
    }
  });

  describe('zod and the apiserver agree on mutated objects, valid or not', () => {
    const arbitraries = {
      TradingService: tradingServiceArb(ns),
      HmacKeyRing: hmacKeyRingArb(ns),
      ExchangeCredential: exchangeCredentialArb(ns),
    };
    for (const [kind, arb] of Object.entries(arbitraries)) {
      it(`should give the same verdict on a ${kind} with one field changed`, async () => {
        await fc.assert(
          fc.asyncProperty(mutated(arb), async ({ object, path, value }) => {
            const zodAccepts = validateObject(object).status === 'valid';
            const created = await create(object, true);
            const what = `${path} := ${JSON.stringify(value)}: zod ${zodAccepts ? 'accepts' : 'rejects'}`;
            assert.equal(created.code === 0, zodAccepts, `${what}, apiserver: ${created.stderr}`);
          }),
          { numRuns: 50 },
        );
      });
    }
  });

  describe('zod and the apiserver agree on generated valid objects', () => {
    const arbitraries = {
      TradingService: tradingServiceArb(ns),
      HmacKeyRing: hmacKeyRingArb(ns),
      ExchangeCredential: exchangeCredentialArb(ns),
    };
    for (const [kind, arb] of Object.entries(arbitraries)) {
      it(`should accept every generated ${kind} in both`, async () => {
        await fc.assert(
          fc.asyncProperty(arb, async (object) => {
            assert.equal(validateObject(object).status, 'valid');
            const created = await create(object, true);
            assert.equal(created.code, 0, created.stderr);
          }),
          { numRuns: 25 },
        );
      });
    }
  });
});
