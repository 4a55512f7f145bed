/**
 * Issue 12, item 3: the Vault Agent annotations the shared render puts on brain's and
 * execution's pods, run by the real `vault agent` (test/support/vault-agent.ts turns them into
 * the injector's init-container configuration). The agent logs in with the ServiceAccount's
 * `vault`-audience token, writes every file under its annotated name with the seeded value and
 * mode 0400, and exits (pre-populate only): a changed KV value reaches the file only when the
 * agent runs again, as a restarted or rolled-out pod's init container would.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SECRETS_DIR } from '../../src/render/service/vault-agent.ts';
import { testEnv } from '../support/env.ts';
import { serviceAccountToken } from '../support/kubernetes-auth.ts';
import { setUpTitanVault, type TitanVault } from '../support/titan-vault.ts';
import { agentFiles, runAgent, type AgentFile } from '../support/vault-agent.ts';
import { VAULT_AUDIENCE } from '../../src/render/vault/policy.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

type Container = { env?: { name: string; value?: string }[] };
type PodSpec = { spec?: { template?: { spec?: { containers?: Container[] } } } };

/** What the file must hold: the template's one field, or every field as JSON. */
function expectedContent(file: AgentFile, data: Record<string, string>): unknown {
  const field = /index \.Data\.data "([^"]+)"/.exec(file.template)?.[1];
  return field === undefined ? data : data[field];
}

function contentOf(file: AgentFile, text: string): unknown {
  return /index \.Data\.data/.test(file.template) ? text : JSON.parse(text);
}

function fileVariables(titan: TitanVault, service: string): { name: string; value?: string }[] {
  const deployment = titan.rendered.objects
    .map((o) => o.manifest as PodSpec & { kind?: string; metadata?: { name?: string } })
    .find((m) => m.kind === 'Deployment' && m.metadata?.name === service);
  const env = deployment?.spec?.template?.spec?.containers?.[0]?.env ?? [];
  return env.filter((e) => e.name.endsWith('_FILE'));
}

describe('Vault Agent renders the annotated files from the real Vault', () => {
  let titan: TitanVault;
  const pods = new Map<string, { workDir: string; secretsDir: string; tokenPath: string }>();

  before(async () => {
    titan = await setUpTitanVault('agent');
    for (const service of ['brain', 'execution']) {
      const workDir = scratchDir(`posture-agent-${service}-`);
      const secretsDir = join(workDir, 'vault', 'secrets');
      mkdirSync(secretsDir, { recursive: true });
      const tokenPath = join(workDir, 'token');
      const jwt = await serviceAccountToken(titan.namespace, service, { audience: VAULT_AUDIENCE });
      writeFileSync(tokenPath, jwt, { mode: 0o600 });
      pods.set(service, { workDir, secretsDir, tokenPath });
    }
  });

  after(async () => {
    await titan?.remove();
  });

  const run = (service: string) =>
    runAgent(titan.annotations(service), {
      ...pods.get(service)!,
      vaultAddr: testEnv().vault!.addr,
    });

  for (const service of ['brain', 'execution']) {
    it(`should write every file of ${service} with its seeded value, mode 0400, and exit`, async () => {
      const annotations = titan.annotations(service);
      const files = agentFiles(annotations);
      assert.ok(files.length >= 3, `${service} declares files`);
      const result = await run(service);
      assert.equal(result.code, 0, result.output);
      const { secretsDir } = pods.get(service)!;
      assert.deepEqual(readdirSync(secretsDir).sort(), files.map((f) => f.file).sort());
      for (const file of files) {
        const path = join(secretsDir, file.file);
        assert.equal(statSync(path).mode & 0o777, 0o400, `${file.file} mode`);
        const seeded = titan.seeded.get(file.path);
        assert.ok(seeded, `${file.path} was seeded`);
        assert.deepEqual(
          contentOf(file, readFileSync(path, 'utf8')),
          expectedContent(file, seeded),
        );
      }
      const auth = result.output.split('\n').find((l) => /authentication successful/.test(l));
      assert.ok(auth, `the agent logged in:\n${result.output}`);
      console.log(
        `vault agent for ${service} (${auth.replace(/^.*\[INFO\]\s*/, '').trim()}): ${files.map((f) => `${f.file} (${f.perms}) ← ${f.path}`).join(', ')}`,
      );
    });
  }

  it('should point every *_FILE variable of the Deployment at a file the agent wrote', () => {
    for (const service of ['brain', 'execution']) {
      const fileVars = fileVariables(titan, service);
      assert.ok(fileVars.length > 0);
      const written = readdirSync(pods.get(service)!.secretsDir);
      for (const variable of fileVars) {
        const value = variable.value ?? '';
        assert.ok(value.startsWith(`${SECRETS_DIR}/`), variable.name);
        assert.ok(written.includes(basename(value)), `${variable.name}=${value}`);
      }
    }
  });

  it('should keep the rendered value until the agent runs again, then write the new one', async () => {
    const files = agentFiles(titan.annotations('brain'));
    const file = files.find((f) => /index \.Data\.data/.test(f.template))!;
    const field = /index \.Data\.data "([^"]+)"/.exec(file.template)![1]!;
    const old = titan.seeded.get(file.path)!;
    const before = old[field] ?? '';
    const target = join(pods.get('brain')!.secretsDir, file.file);
    assert.equal(readFileSync(target, 'utf8'), before);
    await titan.seed(file.path, { ...old, [field]: `${before}-rotated` });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(
      readFileSync(target, 'utf8'),
      old[field],
      'no sidecar: the file stays as rendered',
    );
    const again = await run('brain');
    assert.equal(again.code, 0, again.output);
    assert.equal(readFileSync(target, 'utf8'), `${before}-rotated`);
    assert.equal(statSync(target).mode & 0o777, 0o400);
  });
});
