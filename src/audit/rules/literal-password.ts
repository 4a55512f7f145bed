import { confPairs, type ConfPair } from '../natsconf.ts';
import { isLiteral, isSecretName, perFile, type Hit } from '../rule.ts';
import type { Source } from '../sources.ts';
import type { YamlDoc } from '../yaml-nav.ts';
import { composeEnv, kubeEnv, type EnvVar } from './env.ts';

const CONF_SECRET_KEYS = new Set(['password', 'pass', 'token', 'auth_token']);
// nats-server accepts a bcrypt hash in place of a password: not the password itself.
const BCRYPT = /^\$2[aby]?\$\d{2}\$/;
const VARIABLE = /^\$[A-Za-z_][A-Za-z0-9_]*$/;

function confHit(pair: ConfPair): Hit[] {
  const secret = CONF_SECRET_KEYS.has(pair.key.toLowerCase());
  const plain = pair.value !== '' && !VARIABLE.test(pair.value) && !BCRYPT.test(pair.value);
  if (!secret || !plain) return [];
  return [
    {
      place: { line: pair.line, column: pair.column },
      message: `${pair.key} is written in the file in plain text`,
    },
  ];
}

function envHits(doc: YamlDoc, vars: EnvVar[]): Hit[] {
  return vars
    .filter((entry) => isSecretName(entry.name) && isLiteral(entry.value ?? ''))
    .map((entry) => ({
      place: doc.at(entry.node),
      message: `${entry.name} is set to a literal value in the file`,
    }));
}

function hits(source: Source): Hit[] {
  if (source.kind === 'natsconf') return confPairs(source.text).flatMap(confHit);
  if (source.kind !== 'yaml') return [];
  const read = source.role === 'compose' ? composeEnv : kubeEnv;
  return source.yaml.docs.flatMap((doc) => envHits(doc, read(doc)));
}

export const literalPassword = perFile(
  {
    id: 'literal-password',
    severity: 'critical',
    summary: 'literal password or token in nats.conf, a compose file or a container env',
    fix: 'keep the secret in Vault (or a SOPS-encrypted file) and hand it to the process as a file: NAME_FILE=/vault/secrets/name; in nats.conf use NKeys or a $VARIABLE',
  },
  hits,
);
