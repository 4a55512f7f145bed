import { defaults, dotenvLine, isSecretName, perFile, type Hit } from '../rule.ts';
import type { Source } from '../sources.ts';
import { scalars, text, type YamlDoc } from '../yaml-nav.ts';

function stringHits(value: string, place: Hit['place']): Hit[] {
  return defaults(value)
    .filter((entry) => isSecretName(entry.name))
    .map((entry) => ({
      place,
      message: `\${${entry.name}} falls back to "${entry.fallback}" when it is not set: a missing secret becomes a known one`,
    }));
}

// Every string of the file: defaults hide in environment, command, healthcheck, ...
const yamlHits = (doc: YamlDoc): Hit[] =>
  scalars(doc.root).flatMap((node) => stringHits(text(node) ?? '', doc.at(node)));

function dotenvHits(source: Extract<Source, { kind: 'dotenv' }>): Hit[] {
  return Object.entries(source.values).flatMap(([key, value]) =>
    stringHits(value, { line: dotenvLine(source.text, key), column: 1 }),
  );
}

function hits(source: Source): Hit[] {
  if (source.kind === 'dotenv') return dotenvHits(source);
  if (source.kind !== 'yaml') return [];
  return source.yaml.docs.flatMap(yamlHits);
}

export const failOpenDefault = perFile(
  {
    id: 'fail-open-default',
    severity: 'high',
    summary: 'secret variable with a default value (fails open)',
    fix: 'fail closed: ${NAME:?NAME must be set} (or a NAME_FILE the process must read), never a default secret',
  },
  hits,
);
