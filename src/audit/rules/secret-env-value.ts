import { isLiteral, isSecretName, perFile, type Hit } from '../rule.ts';
import type { Source } from '../sources.ts';
import type { YamlDoc } from '../yaml-nav.ts';
import { composeEnv, kubeEnv, secretEnvFrom, type EnvVar } from './env.ts';

// An env value is readable by everything that can read the process's environment (/proc,
// crash dumps, child processes, `kubectl describe`); a file is not. Literal values are
// literal-password's; this rule is the secret that arrives by env from elsewhere.
const byEnv = (entry: EnvVar): boolean =>
  isSecretName(entry.name) &&
  (entry.fromSecret ||
    (entry.value !== undefined && !isLiteral(entry.value) && entry.value !== ''));

function envHits(doc: YamlDoc, vars: EnvVar[]): Hit[] {
  return vars.filter(byEnv).map((entry) => ({
    place: doc.at(entry.node),
    message: `${entry.name} passes a secret as an environment value; ${entry.name}_FILE takes a file instead`,
  }));
}

const envFromHits = (doc: YamlDoc): Hit[] =>
  secretEnvFrom(doc).map((entry) => ({
    place: doc.at(entry.node),
    message: `envFrom turns every key of Secret ${entry.secret} into an environment value`,
  }));

function hits(source: Source): Hit[] {
  if (source.kind !== 'yaml') return [];
  if (source.role === 'compose') {
    return source.yaml.docs.flatMap((doc) => envHits(doc, composeEnv(doc)));
  }
  return source.yaml.docs.flatMap((doc) => [...envHits(doc, kubeEnv(doc)), ...envFromHits(doc)]);
}

export const secretEnvValue = perFile(
  {
    id: 'secret-env-value',
    severity: 'medium',
    summary: 'secret passed as an environment value where a *_FILE form exists',
    fix: 'mount the secret as a file (Vault Agent, a Secret volume, compose secrets:) and set NAME_FILE to its path',
  },
  hits,
);
