import { perFile, yamlDocs, type Hit } from '../rule.ts';
import type { Source } from '../sources.ts';
import { entries, get, text, type YamlDoc } from '../yaml-nav.ts';

// A SOPS file carries a top-level `sops` map with the MAC over the encrypted values.
const isSops = (root: unknown): boolean => get(get(root, 'sops'), 'mac') !== undefined;

function hitsIn(doc: YamlDoc): Hit[] {
  const kind = text(get(doc.root, 'kind'));
  if (kind !== 'Secret' || text(get(doc.root, 'apiVersion')) !== 'v1' || isSops(doc.root))
    return [];
  const name = text(get(get(doc.root, 'metadata'), 'name')) ?? '(unnamed)';
  return ['data', 'stringData']
    .filter((field) => entries(get(doc.root, field)).length > 0)
    .map((field) => ({
      place: doc.at(get(doc.root, field)),
      message: `Secret ${name} holds its ${field} in plain text (base64 is an encoding, not encryption)`,
    }));
}

export const kubernetesSecretPlaintext = perFile(
  {
    id: 'kubernetes-secret-plaintext',
    severity: 'critical',
    summary: 'Kubernetes Secret in git without SOPS encryption',
    fix: 'encrypt it with posture seal -i FILE (SOPS + age), or deliver the value from Vault and keep no Secret in git',
  },
  (source: Source) => yamlDocs(source, ['yaml', 'helm-values']).flatMap(hitsIn),
);
