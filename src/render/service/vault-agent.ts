import type { Platform } from '../../api/platform/settings.ts';
import type { SecretFileModel, ServiceModel } from '../model.ts';

const PREFIX = 'vault.hashicorp.com/';
/** Where Vault Agent writes the files; `<NAME>_FILE` points here. */
export const SECRETS_DIR = '/vault/secrets';
/** The projected token volume the agent logs in with (the app container gets no token). */
export const VAULT_TOKEN_VOLUME = 'vault-token';

/** Name of the Vault policy and Kubernetes-auth role of a service. */
export function vaultRoleName(service: { namespace: string; name: string }): string {
  return `posture-${service.namespace}-${service.name}`;
}

/**
 * The consul-template that writes one file: one field, or all fields as JSON. A pinned version
 * (HmacKeyRing rotation) reads that KV version rather than the latest.
 */
export function secretTemplate(file: SecretFileModel): string {
  const path =
    file.version === undefined ? file.vaultPath : `${file.vaultPath}?version=${file.version}`;
  const value =
    file.field === undefined
      ? '{{ .Data.data | toJSON }}'
      : `{{ index .Data.data ${JSON.stringify(file.field)} }}`;
  return `{{- with secret ${JSON.stringify(path)} -}}${value}{{- end -}}`;
}

/**
 * Vault Agent Injector annotations: the init container logs in with the pod's projected token,
 * renders every file once before the app starts (pre-populate only: no long-running sidecar and
 * no long-lived token; a new key reaches the pod by a rollout), owned by the app's user, mode 0400.
 * Only paths and templates appear here, never a value.
 */
export function vaultAgentAnnotations(
  service: ServiceModel,
  platform: Platform,
): Record<string, string> {
  if (service.files.length === 0) return {};
  const uid = String(service.runAsUser);
  const gid = String(service.runAsGroup);
  const annotations: Record<string, string> = {
    [`${PREFIX}agent-inject`]: 'true',
    [`${PREFIX}agent-pre-populate`]: 'true',
    [`${PREFIX}agent-pre-populate-only`]: 'true',
    [`${PREFIX}role`]: vaultRoleName(service),
    [`${PREFIX}auth-path`]: `auth/${platform.vault.authMount}`,
    [`${PREFIX}service`]: platform.vault.address,
    [`${PREFIX}agent-run-as-user`]: uid,
    [`${PREFIX}agent-run-as-group`]: gid,
    [`${PREFIX}agent-service-account-token-volume-name`]: VAULT_TOKEN_VOLUME,
  };
  if (platform.vault.agentImage) annotations[`${PREFIX}agent-image`] = platform.vault.agentImage;
  for (const file of service.files) {
    annotations[`${PREFIX}agent-inject-secret-${file.file}`] = file.vaultPath;
    annotations[`${PREFIX}agent-inject-template-${file.file}`] = secretTemplate(file);
    annotations[`${PREFIX}agent-inject-perms-${file.file}`] = '0400';
  }
  return annotations;
}

/** `<NAME>_FILE=/vault/secrets/<file>` for every file: the process reads the path, not a value. */
export function fileEnv(service: ServiceModel): { name: string; value: string }[] {
  return service.files.map((f) => ({ name: `${f.env}_FILE`, value: `${SECRETS_DIR}/${f.file}` }));
}
