import type { IngressPeer, Peer, TradingService, Workload } from '../api/index.ts';
import type { PeerModel, PortRef, WorkloadPeerModel } from './model.ts';
import type { Problem } from './problems.ts';

export type ServiceIndex = ReadonlyMap<string, { object: TradingService; file?: string }>;
type Report = (problem: Omit<Problem, 'file'>) => void;

interface Scope {
  ts: TradingService;
  services: ServiceIndex;
  report: Report;
}

function declaredPorts(ts: TradingService): PortRef[] {
  return ts.spec.ports.map((p) => ({ port: p.port, protocol: p.protocol }));
}

/**
 * Egress to a peer: the listed ports must be ports the peer declares (with its protocol); no
 * ports means all the peer declares. A peer that declares no port cannot be called.
 */
function egressPeer({ ts, services, report }: Scope, peer: Peer, path: string) {
  const namespace = peer.namespace ?? ts.metadata.namespace ?? '';
  const target = services.get(`${namespace}/${peer.service}`)?.object;
  if (!target) {
    report({ path, message: `no TradingService ${peer.service} in namespace ${namespace}` });
    return undefined;
  }
  const offered = declaredPorts(target);
  const unknown = peer.ports.filter((p) => !offered.some((o) => o.port === p));
  if (unknown.length > 0 || offered.length === 0) {
    const list = offered.map((o) => o.port).join(', ') || 'none';
    report({
      path: `${path}.ports`,
      message: `${namespace}/${peer.service} declares ports ${list}`,
    });
    return undefined;
  }
  const ports =
    peer.ports.length === 0 ? offered : offered.filter((o) => peer.ports.includes(o.port));
  return { namespace, service: peer.service, ports };
}

/** Ingress from a peer: on this service's ports (the schema checks they are declared). */
function ingressPeer({ ts, services, report }: Scope, peer: Peer, path: string) {
  const namespace = peer.namespace ?? ts.metadata.namespace ?? '';
  if (!services.has(`${namespace}/${peer.service}`)) {
    report({ path, message: `no TradingService ${peer.service} in namespace ${namespace}` });
    return undefined;
  }
  if (ts.spec.ports.length === 0) {
    report({
      path,
      message: 'the service declares no ports in spec.ports, so nothing can connect to it',
    });
    return undefined;
  }
  const ports = declaredPorts(ts).filter(
    (p) => peer.ports.length === 0 || peer.ports.includes(p.port),
  );
  return { namespace, service: peer.service, ports: peer.ports.length === 0 ? [] : ports };
}

/**
 * Ingress from pods outside posture: nothing to resolve, the schema already holds the namespace
 * and labels to a DNS label and a non-empty selector, and the ports to declared, listed ones.
 */
function workloadPeer(ts: TradingService, workload: Workload, ports: number[]): WorkloadPeerModel {
  return {
    namespace: workload.namespace,
    podLabels: workload.podLabels,
    ports: declaredPorts(ts).filter((p) => ports.includes(p.port)),
  };
}

function serviceOf(peer: IngressPeer): Peer | undefined {
  const { service, namespace, ports } = peer;
  if (service === undefined) return undefined;
  return { service, ports, ...(namespace !== undefined && { namespace }) };
}

/** The resolved ingress and egress peers of a service; unknown peers are reported. */
export function peersOf(ts: TradingService, services: ServiceIndex, report: Report) {
  const scope: Scope = { ts, services, report };
  const ingress: PeerModel[] = [];
  const workloads: WorkloadPeerModel[] = [];
  const egress: PeerModel[] = [];
  for (const [i, entry] of ts.spec.ingress.entries()) {
    if (entry.workload) workloads.push(workloadPeer(ts, entry.workload, entry.ports));
    const peer = serviceOf(entry);
    const resolved = peer && ingressPeer(scope, peer, `spec.ingress[${i}]`);
    if (resolved) ingress.push(resolved);
  }
  for (const [i, peer] of ts.spec.egress.services.entries()) {
    const resolved = egressPeer(scope, peer, `spec.egress.services[${i}]`);
    if (resolved) egress.push(resolved);
  }
  return { ingress, workloads, egress };
}
