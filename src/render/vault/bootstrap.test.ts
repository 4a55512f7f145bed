import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPlatform, platformSchema } from '../../api/platform/settings.ts';
import { bootstrapPlan, DEFAULT_AUDIT_FILE, type BootstrapOptions } from './bootstrap.ts';
import { operatorPolicy } from './operator-policy.ts';
import { renderPolicyHcl } from './policy.ts';

const options: BootstrapOptions = {
  kubernetesHost: 'https://kubernetes.example:6443',
  kubernetesCaCert: 'PEM',
  namespace: 'posture-system',
  serviceAccount: 'posture',
};

describe("the bootstrap plan (the platform's Vault, as terraform/ declares it)", () => {
  it('should enable Kubernetes auth, KV v2 and a file audit device at the platform mounts', () => {
    const plan = bootstrapPlan(defaultPlatform(), options);
    assert.deepEqual(plan.auth, [{ path: 'kubernetes', type: 'kubernetes', options: {} }]);
    assert.deepEqual(plan.secrets, [{ path: 'secret', type: 'kv', options: { version: '2' } }]);
    assert.deepEqual(plan.audit, [
      { path: 'file', type: 'file', options: { file_path: DEFAULT_AUDIT_FILE } },
    ]);
    assert.deepEqual(plan.kubernetesConfig, {
      mount: 'kubernetes',
      host: 'https://kubernetes.example:6443',
      caCert: 'PEM',
    });
  });

  it("should write the operator's policy as posture renders it, and its role", () => {
    const plan = bootstrapPlan(defaultPlatform(), options);
    assert.deepEqual(plan.policies, [
      { name: 'posture-operator', hcl: renderPolicyHcl(operatorPolicy(defaultPlatform())) },
    ]);
    assert.equal(plan.roles.length, 1);
    assert.equal(plan.roles[0]?.name, 'posture-operator');
    assert.deepEqual(plan.roles[0]?.body.token_policies, ['posture-operator']);
    assert.deepEqual(plan.roles[0]?.body.bound_service_account_names, ['posture']);
  });

  it('should follow the platform mounts and the names it is given', () => {
    const platform = platformSchema.parse({ vault: { authMount: 'k8s-prod', kvMount: 'kv' } });
    const plan = bootstrapPlan(platform, { ...options, name: 'ops', auditPath: 'a' });
    assert.equal(plan.auth[0]?.path, 'k8s-prod');
    assert.equal(plan.secrets[0]?.path, 'kv');
    assert.equal(plan.audit[0]?.path, 'a');
    assert.equal(plan.roles[0]?.mount, 'k8s-prod');
    assert.match(
      plan.policies[0]?.hcl ?? '',
      /path "auth\/k8s-prod\/role\/ops" \{\n {2}capabilities = \["deny"\]/,
    );
  });
});
