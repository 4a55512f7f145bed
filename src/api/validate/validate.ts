import { isKindName, KIND_BY_NAME, KINDS, type PostureResource } from '../index.ts';
import { API_GROUP } from '../common/metadata.ts';
import { problemsOf, type Problem } from './issues.ts';

/** The outcome for one document: not ours, valid (with defaults applied), or its problems. */
export type Verdict =
  | { status: 'skipped' }
  | { status: 'valid'; object: PostureResource }
  | { status: 'invalid'; problems: Problem[] };

const KIND_NAMES = KINDS.map((k) => k.kind).join(', ');

function field(raw: Record<string, unknown>, name: string): unknown {
  return raw[name];
}

/** True when the document claims to be a posture object (by group or by kind). */
function isPostureDocument(raw: Record<string, unknown>): boolean {
  const apiVersion = field(raw, 'apiVersion');
  const group = typeof apiVersion === 'string' ? apiVersion.split('/')[0] : undefined;
  return group === API_GROUP || isKindName(field(raw, 'kind'));
}

/**
 * Drops object fields whose value is null, recursively, as the apiserver does for non-nullable
 * fields before defaulting: `replicas:` with no value means "not set" to both.
 */
export function pruneNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneNulls);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value))
    if (child !== null) out[key] = pruneNulls(child);
  return out;
}

/**
 * Validates one parsed document with its kind's zod schema. Documents of other API groups are
 * skipped, so a folder may hold other manifests next to the CRs.
 */
export function validateObject(raw: unknown): Verdict {
  if (raw === null || raw === undefined) return { status: 'skipped' };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      status: 'invalid',
      problems: [
        {
          path: [],
          message: 'document is not a mapping',
          fix: 'write the object as key: value pairs',
        },
      ],
    };
  }
  const doc = pruneNulls(raw) as Record<string, unknown>;
  if (!isPostureDocument(doc)) return { status: 'skipped' };
  const kind = field(doc, 'kind');
  if (!isKindName(kind)) {
    return {
      status: 'invalid',
      problems: [
        {
          path: ['kind'],
          message: `unknown kind ${JSON.stringify(kind)}`,
          fix: `use one of ${KIND_NAMES}`,
        },
      ],
    };
  }
  const schema = KIND_BY_NAME[kind].schema;
  const result = schema.safeParse(doc);
  if (result.success) return { status: 'valid', object: result.data };
  return { status: 'invalid', problems: problemsOf(schema, result.error.issues, doc) };
}

/** `Kind/namespace/name` of a document, as far as it says. */
export function objectLabel(raw: unknown, index: number): string {
  const doc = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const meta = (
    typeof doc['metadata'] === 'object' && doc['metadata'] !== null ? doc['metadata'] : {}
  ) as Record<string, unknown>;
  const text = (v: unknown, fallback: string): string =>
    typeof v === 'string' && v !== '' ? v : fallback;
  return `${text(doc['kind'], '<no kind>')}/${text(meta['namespace'], '-')}/${text(meta['name'], `<document ${index + 1}>`)}`;
}
