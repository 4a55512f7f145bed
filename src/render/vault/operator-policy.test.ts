import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPlatform, platformSchema } from '../../api/platform/settings.ts';
import { metadataGlob, operatorPolicy, operatorRoleWrite } from './operator-policy.ts';
import { renderPolicyHcl } from './policy.ts';

const custom = platformSchema.parse({ vault: { authMount: 'k8s-prod', kvMount: 'kv' } });

function rules(hcl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, path = '', caps = ''] of hcl.matchAll(
    /path "([^"]+)" \{\n {2}capabilities = \[([^\]]*)\]/g,
  ))
    out[path] = caps;
  return out;
}

describe("the operator's Vault policy", () => {
  it('should grant exactly the calls the reconcilers make, on the default mounts', () => {
    assert.deepEqual(rules(renderPolicyHcl(operatorPolicy(defaultPlatform()))), {
      'auth/kubernetes/role': '"list"',
      'auth/kubernetes/role/posture-*': '"create", "delete", "read", "update"',
      'auth/kubernetes/role/posture-operator': '"deny"',
      'auth/token/accessors': '"list", "sudo"',
      'auth/token/lookup-accessor': '"update"',
      'auth/token/revoke-accessor': '"update"',
      'secret/data/+/hmac/*': '"create", "read", "update"',
      'secret/data/+/exchanges/*': '"read"',
      'secret/data/posture/nats/*': '"create", "read", "update"',
      'secret/metadata/+/*': '"read"',
      'secret/metadata/posture/nats/*': '"delete", "list"',
      'sys/policies/acl/posture-*': '"delete", "read", "update"',
      'sys/policies/acl/posture-operator': '"deny"',
    });
  });

  it("should follow the platform's auth and KV mounts", () => {
    const hcl = renderPolicyHcl(operatorPolicy(custom));
    assert.deepEqual(Object.keys(rules(hcl)).sort(), [
      'auth/k8s-prod/role',
      'auth/k8s-prod/role/posture-*',
      'auth/k8s-prod/role/posture-operator',
      'auth/token/accessors',
      'auth/token/lookup-accessor',
      'auth/token/revoke-accessor',
      'kv/data/+/exchanges/*',
      'kv/data/+/hmac/*',
      'kv/data/posture/nats/*',
      'kv/metadata/+/*',
      'kv/metadata/posture/nats/*',
      'sys/policies/acl/posture-*',
      'sys/policies/acl/posture-operator',
    ]);
  });

  it('should narrow KV metadata reads to the given prefixes', () => {
    const policy = operatorPolicy(defaultPlatform(), {
      metadataPrefixes: ['secret/titan/', 'other/'],
    });
    const paths = Object.keys(rules(renderPolicyHcl(policy)));
    assert.ok(paths.includes('secret/metadata/titan/*'));
    assert.ok(paths.includes('other/metadata/*'));
    assert.ok(!paths.includes('secret/metadata/+/*'));
  });

  const tenancies: [string, object, string[]][] = [
    [
      "should read metadata only where the tenancy lets CRs name paths: each namespace's prefix and the shared ones",
      { sharedPrefixes: ['secret/shared/ca/'] },
      ['secret/metadata/+/*', 'secret/metadata/shared/ca/*'],
    ],
    [
      'should turn a {namespace} segment inside a prefix into +',
      { namespacePrefix: 'kv/teams/{namespace}/apps/' },
      ['kv/metadata/teams/+/apps/*'],
    ],
    [
      'should end the glob where {namespace} shares its segment, the narrowest Vault can say',
      { namespacePrefix: 'kv/team-{namespace}/' },
      ['kv/metadata/team-*'],
    ],
  ];
  for (const [name, tenancy, globs] of tenancies) {
    it(name, () => {
      const platform = platformSchema.parse({ vault: { tenancy } });
      const reads = operatorPolicy(platform)
        .rules.filter((r) => r.path.includes('/metadata/') && r.capabilities.includes('read'))
        .map((r) => r.path);
      assert.deepEqual(reads, globs);
    });
  }

  it('should narrow HmacKeyRing reads and writes to the given prefixes', () => {
    const policy = operatorPolicy(defaultPlatform(), { hmacPrefixes: ['secret/titan/hmac/'] });
    const paths = Object.keys(rules(renderPolicyHcl(policy)));
    assert.ok(paths.includes('secret/data/titan/hmac/*'));
    assert.ok(!paths.includes('secret/data/+/hmac/*'));
  });

  it("should read exchange keys only in each namespace's exchanges/ folder, by the tenancy template", () => {
    const teams = platformSchema.parse({
      vault: { tenancy: { namespacePrefix: 'kv/teams/team-{namespace}/apps/' } },
    });
    const policy = operatorPolicy(teams, { metadataPrefixes: ['secret/'] });
    const reads = policy.rules.filter(
      (r) => r.path.includes('/data/') && r.path.includes('exchanges'),
    );
    assert.deepEqual(
      reads.map((r) => [r.path, r.capabilities]),
      [['kv/data/teams/+/apps/exchanges/*', ['read']]],
    );
  });

  for (const bad of ['/secret/', 'secret/../sys/', 'secret/a b/', '', 'secret/++/']) {
    it(`should refuse the exchange prefix ${JSON.stringify(bad)}`, () =>
      assert.throws(() => metadataGlob(bad), /use <mount>\/ or <mount>\/<path>\//));
  }

  it('should let only the operator ServiceAccount log in, with a vault-audience token', () => {
    const role = operatorRoleWrite(custom, {
      namespace: 'posture-system',
      serviceAccount: 'posture',
    });
    assert.equal(role.path, 'auth/k8s-prod/role/posture-operator');
    assert.deepEqual(role.body, {
      audience: 'vault',
      bound_service_account_names: ['posture'],
      bound_service_account_namespaces: ['posture-system'],
      token_max_ttl: '4h',
      token_no_default_policy: true,
      token_policies: ['posture-operator'],
      token_ttl: '1h',
    });
  });
});
