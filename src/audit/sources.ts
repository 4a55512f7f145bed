/**
 * Which files the audit reads and as what. Every format goes through its real parser here (YAML
 * with line positions, Dockerfile via dockerfile-ast, dotenv via dotenv's own parse), so rules
 * get parsed files and stay pure.
 */
import { posix } from 'node:path';
import { DockerfileParser, type Dockerfile } from 'dockerfile-ast';
import { parse as parseDotenv } from 'dotenv';
import { parseYaml, type YamlParse } from './yaml-nav.ts';

export type YamlRole = 'compose' | 'helm-values' | 'yaml';

export type Source =
  | { kind: 'yaml'; path: string; role: YamlRole; yaml: YamlParse }
  | { kind: 'dockerfile'; path: string; dockerfile: Dockerfile }
  | { kind: 'dotenv'; path: string; text: string; values: Record<string, string> }
  | { kind: 'natsconf'; path: string; text: string };

export type Kind = 'yaml' | 'compose' | 'helm-values' | 'dockerfile' | 'dotenv' | 'natsconf';

const DOCKERFILE = /^(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?$|\.[Dd]ockerfile$/;
const DOTENV = /^\.env(?:\.[\w.-]+)?$|\.env$/;
const COMPOSE = /^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$/;
const YAML = /\.ya?ml$/;
// Helm templates are Go templates that print YAML, not YAML: the chart test renders and checks
// them (docs/adr/0050-audit.md), the audit reads the values they are rendered from.
const HELM_TEMPLATE = /(?:^|\/)charts\/(?:.+\/)?templates\//;
const HELM_VALUES = /(?:^|\/)charts\/.+\/(?:values[\w.-]*\.ya?ml|ci\/[\w.-]+\.ya?ml)$/;

function natsConf(path: string, base: string): boolean {
  return base.endsWith('.conf') && (base.startsWith('nats') || path.split('/').includes('nats'));
}

/** What a file (path relative to the root, with `/`) is read as; undefined: not audited. */
export function kindOf(path: string): Kind | undefined {
  const base = posix.basename(path);
  if (DOCKERFILE.test(base)) return 'dockerfile';
  if (DOTENV.test(base)) return 'dotenv';
  if (natsConf(path, base)) return 'natsconf';
  if (!YAML.test(base) || HELM_TEMPLATE.test(path)) return undefined;
  if (COMPOSE.test(base)) return 'compose';
  return HELM_VALUES.test(path) ? 'helm-values' : 'yaml';
}

export function parseSource(path: string, kind: Kind, text: string): Source {
  switch (kind) {
    case 'dockerfile':
      return { kind, path, dockerfile: DockerfileParser.parse(text) };
    case 'dotenv':
      return { kind, path, text, values: parseDotenv(text) };
    case 'natsconf':
      return { kind, path, text };
    default:
      return { kind: 'yaml', path, role: kind, yaml: parseYaml(text) };
  }
}
