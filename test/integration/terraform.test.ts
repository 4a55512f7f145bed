/**
 * Issue 18, item 4: terraform/ declares the Vault side of the platform. OpenTofu (built from its
 * module) parses and format-checks it (`tofu fmt -check`); `tofu validate` needs the Vault
 * provider, which cannot be downloaded here, so it is not run. The HCL is read and compared with
 * the plan `posture vault bootstrap` applies: the same auth methods, mounts, audit devices,
 * policies and roles, with the same settings.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { platformSchema } from '../../src/api/platform/settings.ts';
import { bootstrapPlan, type BootstrapPlan } from '../../src/render/vault/bootstrap.ts';
import { run } from '../support/env.ts';
import { evaluator, readModule } from '../support/hcl.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const DIR = resolve('terraform');
const HOST = 'https://kubernetes.example:6443';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** The plan for the default platform and the module's default variables. */
function defaultPlan(): BootstrapPlan {
  return bootstrapPlan(platformSchema.parse({}), {
    kubernetesHost: HOST,
    kubernetesCaCert: CA,
    namespace: 'posture-system',
    serviceAccount: 'posture',
  });
}

/** A Vault duration (`1h`) or seconds, as seconds. */
function seconds(value: unknown): unknown {
  const match = typeof value === 'string' ? /^(\d+)(s|m|h)$/.exec(value) : null;
  if (!match) return value;
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}

describe('terraform/: the Vault side of the platform', () => {
  const blocks = readModule(DIR);
  const { resources } = evaluator(DIR, blocks, {
    kubernetes_host: HOST,
    kubernetes_ca_cert: CA,
  });
  const plan = defaultPlan();

  it('is checked by OpenTofu v1.12.6 linked as its release is (not a -dev build)', async () => {
    const result = await run('tofu', ['version']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^OpenTofu v1\.12\.6$/m);
  });

  it('is formatted as OpenTofu formats it (tofu fmt -check parses every file)', async () => {
    const result = await run('tofu', ['fmt', '-check', '-recursive', '-diff', DIR]);
    assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
  });

  it('refuses a copy whose formatting is broken, naming the file', async () => {
    const copy = scratchDir('posture-tf-');
    cpSync(DIR, copy, { recursive: true });
    const main = join(copy, 'main.tf');
    writeFileSync(
      main,
      readFileSync(main, 'utf8').replace('type = "kubernetes"', 'type="kubernetes"'),
    );
    const result = await run('tofu', ['fmt', '-check', '-recursive', copy]);
    assert.notEqual(result.code, 0);
    assert.match(result.stdout, /main\.tf/);
  });

  it('refuses a copy that does not parse as HCL', async () => {
    const copy = scratchDir('posture-tf-');
    cpSync(DIR, copy, { recursive: true });
    writeFileSync(join(copy, 'broken.tf'), 'resource "vault_mount" "x" {\n  path = \n');
    const result = await run('tofu', ['fmt', '-check', '-recursive', copy]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /broken\.tf/);
  });

  it('declares the auth methods of the bootstrap plan', () => {
    const declared = resources('vault_auth_backend').map((r) => ({ path: r.path, type: r.type }));
    assert.deepEqual(
      declared,
      plan.auth.map((m) => ({ path: m.path, type: m.type })),
    );
  });

  it('configures Kubernetes auth as the bootstrap does', () => {
    const [config, ...more] = resources('vault_kubernetes_auth_backend_config');
    assert.equal(more.length, 0);
    assert.deepEqual(config, {
      backend: plan.kubernetesConfig.mount,
      kubernetes_host: plan.kubernetesConfig.host,
      kubernetes_ca_cert: plan.kubernetesConfig.caCert,
      disable_local_ca_jwt: true,
    });
  });

  it('declares the secrets engines of the bootstrap plan (KV v2)', () => {
    const declared = resources('vault_mount').map((r) => ({
      path: r.path,
      type: r.type,
      options: r.options,
    }));
    assert.deepEqual(declared, plan.secrets);
  });

  it('declares the audit devices of the bootstrap plan', () => {
    const declared = resources('vault_audit').map((r) => ({
      path: r.path,
      type: r.type,
      options: r.options,
    }));
    assert.deepEqual(declared, plan.audit);
  });

  it('declares the policies of the bootstrap plan, with the text posture renders', () => {
    const declared = resources('vault_policy').map((r) => ({ name: r.name, hcl: r.policy }));
    assert.deepEqual(declared, plan.policies);
  });

  it('declares the roles of the bootstrap plan, with the same settings', () => {
    const declared = resources('vault_kubernetes_auth_backend_role').map((r) => {
      const { backend, role_name, ...body } = r;
      return { mount: backend, name: role_name, body };
    });
    const planned = plan.roles.map((r) => ({
      ...r,
      body: Object.fromEntries(Object.entries(r.body).map(([k, v]) => [k, seconds(v)])),
    }));
    assert.deepEqual(declared, planned);
  });

  it('follows the platform mounts through its variables', () => {
    const platform = platformSchema.parse({ vault: { authMount: 'k8s-prod', kvMount: 'kv' } });
    const other = bootstrapPlan(platform, {
      kubernetesHost: HOST,
      kubernetesCaCert: CA,
      namespace: 'posture-system',
      serviceAccount: 'posture',
    });
    const custom = evaluator(DIR, blocks, {
      kubernetes_host: HOST,
      kubernetes_ca_cert: CA,
      auth_mount: 'k8s-prod',
      kv_mount: 'kv',
    }).resources;
    assert.deepEqual(
      custom('vault_auth_backend').map((r) => r.path),
      other.auth.map((m) => m.path),
    );
    assert.deepEqual(
      custom('vault_mount').map((r) => r.path),
      other.secrets.map((m) => m.path),
    );
    assert.deepEqual(
      custom('vault_kubernetes_auth_backend_role').map((r) => r.backend),
      other.roles.map((r) => r.mount),
    );
  });
});
