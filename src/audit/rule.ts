import type { Finding, RuleInfo } from './finding.ts';
import type { Source } from './sources.ts';
import type { Place, YamlDoc } from './yaml-nav.ts';

/**
 * A rule is pure: parsed files in, findings out. Most look at one file at a time (`perFile`);
 * a rule that relates files (a Deployment and the policies that select it) sees them all.
 */
export interface Rule extends RuleInfo {
  /** What to do about a finding, the same for each: the SARIF rule's help and every finding's fix. */
  fix: string;
  check(sources: readonly Source[]): Finding[];
}

export interface Hit {
  place: Place;
  message: string;
}

export function findingOf(rule: Omit<Rule, 'check'>, file: string, hit: Hit): Finding {
  return {
    file,
    line: hit.place.line,
    column: hit.place.column,
    ruleId: rule.id,
    severity: rule.severity,
    message: hit.message,
    fix: rule.fix,
  };
}

/** A rule over single files: `hits` says what is wrong in one file, the rest is bookkeeping. */
export function perFile(rule: Omit<Rule, 'check'>, hits: (source: Source) => Hit[]): Rule {
  return {
    ...rule,
    check: (sources) =>
      sources.flatMap((source) => hits(source).map((hit) => findingOf(rule, source.path, hit))),
  };
}

/** The YAML documents of a source with the given roles (none for other formats). */
export function yamlDocs(source: Source, roles: readonly string[]): YamlDoc[] {
  return source.kind === 'yaml' && roles.includes(source.role) ? source.yaml.docs : [];
}

// Names that carry a secret by convention. A `*_FILE` (or `*_PATH`) name carries a path.
const SECRET_NAME =
  /PASSW(?:OR)?D|(?:^|_)PASS(?:$|_)|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY|(?:^|_)SEED(?:$|_)/i;
const PATH_NAME = /(?:_FILE|_PATH|_DIR|_URL)$/i;

export const isSecretName = (name: string): boolean =>
  SECRET_NAME.test(name) && !PATH_NAME.test(name);

// Compose/shell interpolation with a default: ${NAME:-default} and ${NAME-default}.
const DEFAULTED = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-)([^}]*)\}/g;

/** `${NAME:-value}` defaults with a non-empty value: a fallback used when the secret is missing. */
export function defaults(value: string): Array<{ name: string; fallback: string }> {
  return [...value.matchAll(DEFAULTED)]
    .map((match) => ({ name: match[1]!, fallback: match[3]! }))
    .filter((entry) => entry.fallback !== '');
}

/** A value with no `$` interpolation at all: what is written is what the process gets. */
export const isLiteral = (value: string): boolean => value !== '' && !/\$\{?[A-Za-z_]/.test(value);

/** The line a dotenv key is set on (the last one wins, as in dotenv's parse). */
export function dotenvLine(text: string, key: string): number {
  const lines = text.split('\n');
  const pattern = new RegExp(
    `^\\s*(?:export\\s+)?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*[=:]`,
  );
  const index = lines.findLastIndex((line) => pattern.test(line));
  return index + 1 || 1;
}
