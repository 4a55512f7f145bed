import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { defaultDenyPart, quarantinePart } from './namespace.ts';
import { partManifest } from './objects.ts';

describe('namespace baseline', () => {
  it('should render the same default-deny policy as policies/cilium/default-deny.yaml', () => {
    const rendered = partManifest(defaultDenyPart('titan')) as {
      metadata: Record<string, unknown>;
    };
    const file = parse(readFileSync('policies/cilium/default-deny.yaml', 'utf8')) as object;
    assert.deepEqual(
      { ...rendered, metadata: { ...rendered.metadata, namespace: undefined } },
      {
        ...file,
        metadata: { ...(file as { metadata: object }).metadata, namespace: undefined },
      },
    );
  });

  it('should quarantine with deny rules for every entity in both directions', () => {
    const spec = partManifest(quarantinePart('titan'))['spec'] as Record<string, unknown>;
    assert.deepEqual(spec['ingressDeny'], [{ fromEntities: ['all'] }]);
    assert.deepEqual(spec['egressDeny'], [{ toEntities: ['all'] }]);
    assert.deepEqual(spec['endpointSelector'], {});
  });
});
