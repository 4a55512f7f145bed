/**
 * RBAC rules from rendered manifests, and the apiserver's audit log: together they show which
 * granted permissions a ServiceAccount really used, and which requests it was denied.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** One granted permission: verb on group/resource, in a namespace (undefined = cluster-wide). */
export interface Permission {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  /** The Role or ClusterRole granting it, for messages. */
  role: string;
}

interface Manifest {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  rules?: Rule[];
}

export function manifestsOf(yamlText: string): Manifest[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** Every verb × group × resource of every Role and ClusterRole in the manifests. */
export function permissionsOf(manifests: Manifest[]): Permission[] {
  return manifests
    .filter((m) => m.kind === 'Role' || m.kind === 'ClusterRole')
    .flatMap((m) => {
      const role = `${m.kind}/${m.metadata?.name}`;
      const namespace = m.kind === 'Role' ? m.metadata?.namespace : undefined;
      return (m.rules ?? []).flatMap((rule) =>
        rule.apiGroups.flatMap((group) =>
          rule.resources.flatMap((resource) =>
            rule.verbs.map((verb) => ({
              verb,
              group,
              resource,
              role,
              ...(namespace && { namespace }),
            })),
          ),
        ),
      );
    });
}

export interface AuditEvent {
  verb: string;
  user: { username: string };
  objectRef?: {
    apiGroup?: string;
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
  };
  responseStatus?: { code?: number };
  requestURI: string;
}

/** Audit events of one user (JSON lines; the file may still be growing). */
export function auditEventsOf(file: string, username: string): AuditEvent[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes(username))
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter((e) => e.user.username === username);
}

export function resourceOf(event: AuditEvent): string {
  const ref = event.objectRef;
  return ref?.subresource ? `${ref.resource}/${ref.subresource}` : (ref?.resource ?? '');
}

/**
 * The verbs a request was authorized for: a server-side apply that created its object (201) is
 * a PATCH the apiserver also authorized as create.
 */
function verbsOf(event: AuditEvent): string[] {
  const created = event.verb === 'patch' && event.responseStatus?.code === 201;
  return created ? ['patch', 'create'] : [event.verb];
}

/** Does this audited request exercise the permission? */
export function uses(event: AuditEvent, p: Permission): boolean {
  const ref = event.objectRef;
  if (!ref || !verbsOf(event).includes(p.verb)) return false;
  if ((ref.apiGroup ?? '') !== p.group || resourceOf(event) !== p.resource) return false;
  return p.namespace === undefined || ref.namespace === p.namespace;
}

export const describePermission = (p: Permission) =>
  `${p.verb} ${p.group || 'core'}/${p.resource}${p.namespace ? ` in ${p.namespace}` : ''} (${p.role})`;

export const describeEvent = (e: AuditEvent) =>
  `${e.verb} ${e.requestURI} → ${e.responseStatus?.code ?? '?'}`;
