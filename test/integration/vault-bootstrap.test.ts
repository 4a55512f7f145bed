/**
 * Issue 18, item 4: `posture vault bootstrap` sets up the platform's Vault (what terraform/
 * declares) on the real Vault dev server: the Kubernetes auth method and its config, a KV v2
 * mount, a file audit device, the operator's policy and role. A second run changes nothing and
 * says so; a drifted role is put back; a mount of another kind is refused, never replaced. The
 * mounts and names are this test's own, so the shared Vault's `kubernetes` and `secret` mounts
 * that other tests use are left alone.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { platformSchema } from '../../src/api/platform/settings.ts';
import { bootstrapPlan } from '../../src/render/vault/bootstrap.ts';
import type { VaultAdapter } from '../../src/vault/adapter.ts';
import { testEnv } from '../support/env.ts';
import { rootVault } from '../support/tradingservice.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('posture vault bootstrap against the real Vault', () => {
  const id = randomBytes(3).toString('hex');
  const authMount = `k8s-boot-${id}`;
  const kvMount = `kv-boot-${id}`;
  const auditPath = `boot-${id}`;
  const name = `posture-operator-boot-${id}`;
  const dir = scratchDir('posture-bootstrap-');
  const auditFile = join(dir, 'audit.log');
  const platformFile = join(dir, 'platform.yaml');
  let root: VaultAdapter;

  /** Runs the command; the token in VAULT_TOKEN, or with `tokenFile` in a file and not the env. */
  const bootstrap = (platform = platformFile, tokenFile = false): Promise<CliResult> => {
    const env = testEnv();
    const args = [
      'src/cli/main.ts',
      'vault',
      'bootstrap',
      `--platform=${platform}`,
      `--vault-addr=${env.vault!.addr}`,
      `--kubernetes-host=${env.kube.server}`,
      `--kubernetes-ca-file=${env.kube.caFile}`,
      '--service-account=posture-system/posture',
      `--audit-path=${auditPath}`,
      `--audit-file=${auditFile}`,
      `--name=${name}`,
    ];
    const parent = { ...process.env };
    delete parent.VAULT_TOKEN;
    let childEnv: NodeJS.ProcessEnv = { ...parent, VAULT_TOKEN: env.vault!.token };
    if (tokenFile) {
      const file = join(dir, 'token');
      writeFileSync(file, `${env.vault!.token}\n`, { mode: 0o600 });
      args.push(`--vault-token-file=${file}`);
      childEnv = parent;
    }
    return new Promise((resolve) => {
      execFile(process.execPath, args, { env: childEnv }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  };

  before(() => {
    root = rootVault();
    writeFileSync(platformFile, `vault:\n  authMount: ${authMount}\n  kvMount: ${kvMount}\n`);
  });

  after(async () => {
    await root.delete(`sys/audit/${auditPath}`);
    await root.delete(`sys/auth/${authMount}`);
    await root.delete(`sys/mounts/${kvMount}`);
    await root.deletePolicy(name);
  });

  it('creates every item of the plan on a Vault that has none of them', async () => {
    const result = await bootstrap();
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, -1), [
      `created   auth ${authMount}/`,
      `created   secrets ${kvMount}/`,
      `created   audit ${auditPath}/`,
      `created   config auth/${authMount}`,
      `created   policy ${name}`,
      `created   role auth/${authMount}/role/${name}`,
    ]);
    assert.equal(lines.at(-1), '6 of 6 changed');
  });

  it('leaves Vault with the auth method, KV v2 mount and audit device of the plan', async () => {
    const auth = (await root.read('sys/auth')) as Record<string, { type: string }>;
    assert.equal(auth[`${authMount}/`]?.type, 'kubernetes');
    const mounts = (await root.read('sys/mounts')) as Record<
      string,
      { type: string; options: { version: string } }
    >;
    assert.equal(mounts[`${kvMount}/`]?.type, 'kv');
    assert.equal(mounts[`${kvMount}/`]?.options.version, '2');
    const audit = (await root.read('sys/audit')) as Record<
      string,
      { type: string; options: { file_path: string } }
    >;
    assert.deepEqual(audit[`${auditPath}/`]?.options, { file_path: auditFile });
    // The audit device writes: Vault logged the reads above.
    assert.ok(existsSync(auditFile) && readFileSync(auditFile, 'utf8').includes(authMount));
  });

  it('leaves Vault with the Kubernetes auth config, policy and role of the plan', async () => {
    const env = testEnv();
    const plan = bootstrapPlan(platformSchema.parse({ vault: { authMount, kvMount } }), {
      kubernetesHost: env.kube.server,
      kubernetesCaCert: readFileSync(env.kube.caFile, 'utf8'),
      namespace: 'posture-system',
      serviceAccount: 'posture',
      name,
    });
    assert.equal(await root.readPolicy(name), plan.policies[0]?.hcl);
    const config = await root.read(`auth/${authMount}/config`);
    assert.equal(config?.kubernetes_host, env.kube.server);
    const role = await root.read(`auth/${authMount}/role/${name}`);
    assert.deepEqual(
      {
        names: role?.bound_service_account_names,
        namespaces: role?.bound_service_account_namespaces,
        policies: role?.token_policies,
        ttl: role?.token_ttl,
        audience: role?.audience,
      },
      {
        names: ['posture'],
        namespaces: ['posture-system'],
        policies: [name],
        ttl: 3600,
        audience: 'vault',
      },
    );
  });

  it('changes nothing on a second run, and says so (token from --vault-token-file)', async () => {
    const result = await bootstrap(platformFile, true);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.ok(
      lines.slice(0, -1).every((l) => l.startsWith('unchanged ')),
      result.stdout,
    );
    assert.equal(lines.length, 7);
    assert.equal(lines.at(-1), 'nothing to change: Vault already matches the plan');
  });

  it('puts back a role that drifted, and only that', async () => {
    const path = `auth/${authMount}/role/${name}`;
    await root.write({ path, body: { token_ttl: '30m' } });
    const result = await bootstrap();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^updated   role ${path}$`, 'm'));
    assert.match(result.stdout, /^1 of 6 changed$/m);
    assert.equal((await root.read(path))?.token_ttl, 3600);
  });

  it('refuses a KV mount that exists as another version, and changes nothing else', async () => {
    const other = `kv1-boot-${id}`;
    await root.write({
      path: `sys/mounts/${other}`,
      body: { type: 'kv', options: { version: '1' } },
    });
    const file = join(dir, 'platform-kv1.yaml');
    writeFileSync(file, `vault:\n  authMount: ${authMount}\n  kvMount: ${other}\n`);
    try {
      const result = await bootstrap(file);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`secrets ${other}/ exists as kv \\{"version":"1"\\}`));
      const mounts = (await root.read('sys/mounts')) as Record<string, { options: object }>;
      assert.deepEqual(mounts[`${other}/`]?.options, { version: '1' });
    } finally {
      await root.delete(`sys/mounts/${other}`);
    }
  });
});
