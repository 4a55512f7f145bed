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
    const egress = cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol;
    const ingress = cilium.CiliumNetworkPolicySpecIngressToPortsPortsProtocol;
    const pairs: Array<[string, string, string]> = [
      ['EgressProtocol.TCP', kinds.EgressProtocol.TCP, egress.TCP],
      ['EgressProtocol.UDP', kinds.EgressProtocol.UDP, egress.UDP],
      ['IngressProtocol.TCP', kinds.IngressProtocol.TCP, ingress.TCP],
      ['IngressProtocol.UDP', kinds.IngressProtocol.UDP, ingress.UDP],
      [
        'DENY_ALL.ingress',
        kinds.DENY_ALL.ingress,
        cilium.CiliumNetworkPolicySpecIngressDenyFromEntities.ALL,
      ],
      [
        'DENY_ALL.egress',
        kinds.DENY_ALL.egress,
        cilium.CiliumNetworkPolicySpecEgressDenyToEntities.ALL,
      ],
    ];
    for (const [name, ours, generated] of pairs) assert.equal(ours, generated, name);
  });
});
