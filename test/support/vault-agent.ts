/**
 * The Vault Agent Injector (vault-k8s) is not part of the test environment, so its work is done
 * here: the pod's `vault.hashicorp.com/*` annotations become the agent configuration the
 * injector would give its init container, and the real `vault agent` (the same binary as the
 * test Vault) runs it. Only the pre-populate-only mode posture renders is supported: the agent
 * logs in, renders every file once and exits.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from './env.ts';

const PREFIX = 'vault.hashicorp.com/';
const SECRET = `${PREFIX}agent-inject-secret-`;

export interface AgentFile {
  file: string;
  /** The KV v2 data path the file comes from. */
  path: string;
  template: string;
  perms: string;
}

/** Every file the annotations ask for, by its `agent-inject-secret-<file>` annotation. */
export function agentFiles(annotations: Record<string, string>): AgentFile[] {
  return Object.entries(annotations)
    .filter(([key]) => key.startsWith(SECRET))
    .map(([key, path]) => {
      const file = key.slice(SECRET.length);
      const template = annotations[`${PREFIX}agent-inject-template-${file}`];
      if (template === undefined) throw new Error(`no agent-inject-template-${file}`);
      const perms = annotations[`${PREFIX}agent-inject-perms-${file}`] ?? '0644';
      return { file, path, template, perms };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

function required(annotations: Record<string, string>, name: string): string {
  const value = annotations[`${PREFIX}${name}`];
  if (value === undefined) throw new Error(`the pod has no ${PREFIX}${name} annotation`);
  return value;
}

export interface AgentOptions {
  /** The test Vault, standing in for `vault.hashicorp.com/service`. */
  vaultAddr: string;
  /** The projected ServiceAccount token (audience `vault`) the agent logs in with. */
  tokenPath: string;
  /** Stands in for the pod's `/vault/secrets`. */
  secretsDir: string;
  /** The agent's home: its configuration and token sink. */
  workDir: string;
}

/** The configuration vault-k8s gives the init container for these annotations, as JSON. */
export function agentConfig(annotations: Record<string, string>, options: AgentOptions) {
  if (required(annotations, 'agent-inject') !== 'true') throw new Error('agent-inject is not true');
  if (required(annotations, 'agent-pre-populate-only') !== 'true') {
    throw new Error('only agent-pre-populate-only (an init container, no sidecar) is supported');
  }
  return {
    vault: { address: options.vaultAddr },
    auto_auth: {
      method: {
        type: 'kubernetes',
        mount_path: required(annotations, 'auth-path'),
        config: { role: required(annotations, 'role'), token_path: options.tokenPath },
      },
      // The injector's sink: the agent's own home, never shared with the app container.
      sink: [{ type: 'file', config: { path: join(options.workDir, '.vault-token') } }],
    },
    // Pre-populate only: log in, render every template once, exit.
    exit_after_auth: true,
    template_config: { exit_on_retry_failure: true },
    template: agentFiles(annotations).map((f) => ({
      destination: join(options.secretsDir, f.file),
      contents: f.template,
      left_delimiter: '{{',
      right_delimiter: '}}',
      perms: f.perms,
    })),
  };
}

export interface AgentRun {
  code: number;
  output: string;
}

/** Writes the configuration beside the secrets folder and runs `vault agent` to its exit. */
export function runAgent(
  annotations: Record<string, string>,
  options: AgentOptions & { timeoutMs?: number },
): Promise<AgentRun> {
  const configFile = join(options.workDir, 'agent.json');
  writeFileSync(configFile, JSON.stringify(agentConfig(annotations, options), null, 2));
  const bin = testEnv().bin['vault'];
  if (!bin) throw new Error('the test environment has no vault binary');
  return new Promise((resolve) => {
    execFile(
      bin,
      ['agent', `-config=${configFile}`, '-log-level=info'],
      {
        env: { HOME: options.workDir, PATH: process.env.PATH ?? '' },
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}
