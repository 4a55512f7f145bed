import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as kinds from './kinds.ts';
import { GENERATED } from './testing/generated.ts';

describe('render kinds', () => {
  const declared = Object.entries(kinds).filter(
    (entry): entry is [string, { apiVersion: string; kind: string }] =>
      'apiVersion' in entry[1] && 'kind' in entry[1],
  );

  it('should declare the kinds posture renders', () => {
    assert.ok(declared.length >= 10, `only ${declared.length} kinds found`);
  });

  for (const [name, { apiVersion, kind }] of declared) {
    it(`should give ${name} the apiVersion and kind of the generated class of that name`, () => {
      const generated = GENERATED.get(name);
      assert.ok(generated, `no generated class ${name}`);
      assert.deepEqual({ apiVersion, kind }, generated.GVK);
    });
  }

  it("should give Cilium's protocols and entities the generated enums' values", async () => {
    const cilium = await import('../imports/cilium.io.js');
    assert.equal(
      kinds.EgressProtocol.TCP,
      cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP,
    );
    assert.equal(
      kinds.EgressProtocol.UDP,
      cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.UDP,
    );
    assert.equal(
      kinds.IngressProtocol.TCP,
      cilium.CiliumNetworkPolicySpecIngressToPortsPortsProtocol.TCP,
    );
    assert.equal(
      kinds.IngressProtocol.UDP,
      cilium.CiliumNetworkPolicySpecIngressToPortsPortsProtocol.UDP,
    );
    assert.equal(kinds.DENY_ALL.ingress, cilium.CiliumNetworkPolicySpecIngressDenyFromEntities.ALL);
    assert.equal(kinds.DENY_ALL.egress, cilium.CiliumNetworkPolicySpecEgressDenyToEntities.ALL);
  });
});
