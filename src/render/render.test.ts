import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gitopsFiles } from '../gitops/layout.ts';
import { toYaml } from '../lib/yaml.ts';
import { platformApp, synthObjects } from './constructs.ts';
import { natsConfig, platformApps, renderPlatform, type RenderInput } from './index.ts';
import { kindOf, objectKey, partManifest, type RenderedObject } from './objects.ts';
import { generatedManifest } from './testing/generated.ts';
import { defaultPlatform } from '../api/platform/settings.ts';
import { buildModel, type CustomResources } from './build-model.ts';
import { platformResources } from './testing/arbitrary.ts';
import { fakeUserNkey } from './testing/synthetic.ts';

function input(resources: CustomResources): RenderInput {
  const platform = defaultPlatform();
  const { model, problems } = buildModel(resources, platform);
  assert.deepEqual(problems, []);
  return { platform, model, nkeys: (s) => fakeUserNkey(`${s.namespace}/${s.name}`) };
}

function files(resources: CustomResources): Map<string, string> {
  return gitopsFiles(renderPlatform(input(resources)).objects, []);
}

const byKey = (objects: RenderedObject[]) =>
  new Map(
    objects.map((o) => [
      `${o.app.namespace}/${o.app.app} ${objectKey(o.manifest)}`,
      toYaml(o.manifest),
    ]),
  );

function shuffled<T>(list: readonly T[], seed: number): T[] {
  return [...list].sort(
    (a, b) => ((list.indexOf(a) * 7919 + seed) % 13) - ((list.indexOf(b) * 7919 + seed) % 13),
  );
}

describe('render (properties over generated platforms)', () => {
  it('should give the same bytes for the same input', () => {
    fc.assert(
      fc.property(platformResources, (r) => assert.deepEqual(files(r), files(r))),
      { numRuns: 60 },
    );
  });

  it('should give the same bytes whatever order the resources come in', () => {
    fc.assert(
      fc.property(platformResources, fc.nat(100), (r, seed) => {
        const reordered = {
          tradingServices: shuffled(r.tradingServices, seed),
          exchangeCredentials: shuffled(r.exchangeCredentials, seed),
          hmacKeyRings: shuffled(r.hmacKeyRings, seed),
        };
        assert.deepEqual(files(reordered), files(r));
      }),
      { numRuns: 60 },
    );
  });

  it('should give the same objects through the cdk8s construct tree as through the fast path', () => {
    fc.assert(
      fc.property(platformResources, (r) => {
        const given = input(r);
        assert.deepEqual(
          byKey(synthObjects(platformApp(given))),
          byKey(renderPlatform(given).objects),
        );
      }),
      { numRuns: 25 },
    );
  });

  it("should convert props exactly as the generated classes' manifest() does", () => {
    fc.assert(
      fc.property(platformResources, (r) => {
        const given = input(r);
        for (const { parts } of platformApps(given, natsConfig(given).text)) {
          for (const p of parts) assert.deepEqual(partManifest(p), generatedManifest(p));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('should give every manifest objects of its own, shared with no other manifest', () => {
    fc.assert(
      fc.property(platformResources, (r) => {
        const owner = new Map<object, string>();
        for (const { manifest } of renderPlatform(input(r)).objects) {
          const key = objectKey(manifest);
          visit(manifest, (o) => {
            const other = owner.get(o);
            assert.ok(
              other === undefined || other === key,
              `${key} shares an object with ${other}`,
            );
            owner.set(o, key);
          });
        }
      }),
      { numRuns: 30 },
    );
  });

  it('should harden every Deployment and put no secret value in any environment variable', () => {
    fc.assert(
      fc.property(platformResources, (r) => {
        for (const { manifest } of renderPlatform(input(r)).objects) {
          if (kindOf(manifest) === 'Deployment') assertHardened(manifest);
        }
      }),
      { numRuns: 40 },
    );
  });
});

function visit(value: unknown, seen: (o: object) => void): void {
  if (typeof value !== 'object' || value === null) return;
  seen(value);
  for (const child of Object.values(value)) visit(child, seen);
}

type Pod = {
  automountServiceAccountToken: boolean;
  securityContext: { runAsNonRoot: boolean; seccompProfile: { type: string } };
  containers: {
    image: string;
    env?: { name: string; value: string }[];
    securityContext: {
      allowPrivilegeEscalation: boolean;
      capabilities: { drop: string[] };
      runAsNonRoot: boolean;
    };
  }[];
};

function assertHardened(manifest: object): void {
  const pod = (manifest as { spec: { template: { spec: Pod } } }).spec.template.spec;
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  for (const c of pod.containers) {
    assert.match(c.image, /@sha256:[a-f0-9]{64}$/);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    for (const e of c.env ?? []) {
      assert.ok(
        e.name.endsWith('_FILE') ? e.value.startsWith('/vault/secrets/') : e.name === 'NATS_URL',
        e.name,
      );
    }
  }
}

describe('the NATS auth config with no service user', () => {
  it('should still require a login: a locked user nobody holds the seed of, allowed nothing', () => {
    const text = natsConfig({
      platform: defaultPlatform(),
      model: { services: [] },
      nkeys: () => undefined,
    }).text;
    assert.match(text, /nkey: UCRGG6TZHZVRYQTCOVXZKZVAVN4D4H7OUBVXGUJ4YH4AZW3IMU6UUQQI/);
    assert.match(text, /publish: \{ deny: \[">"\] \}/);
    assert.doesNotMatch(text, /users: \[\]\n[\s\S]*users: \[\]/);
  });
});
