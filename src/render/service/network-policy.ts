import type {
  CiliumNetworkPolicySpecEgress,
  CiliumNetworkPolicySpecIngress,
} from '../../imports/cilium.io.js';
import { CiliumNetworkPolicy, EgressProtocol, IngressProtocol } from '../kinds.ts';
import { endpointOf, endpointsIn, selectorLabels, serviceLabels } from '../labels.ts';
import type { FqdnModel, PeerModel, PortRef, ServiceModel, WorkloadPeerModel } from '../model.ts';
import { part, type Part } from '../objects.ts';
import type { Platform } from '../../api/platform/settings.ts';

const tcp = (port: number) => ({ port: String(port), protocol: EgressProtocol.TCP });

function egressPorts(ports: PortRef[]) {
  return ports.map((p) => ({
    port: String(p.port),
    protocol: p.protocol === 'UDP' ? EgressProtocol.UDP : EgressProtocol.TCP,
  }));
}

/**
 * DNS to kube-dns only, through Cilium's DNS proxy: the proxy is what lets `toFQDNs` learn the
 * IPs behind a name. Any name may be looked up; only declared names may be connected to.
 */
function dnsRule(platform: Platform): CiliumNetworkPolicySpecEgress {
  const { namespace, podLabels, port } = platform.dns;
  return {
    toEndpoints: [{ matchLabels: endpointsIn(namespace, podLabels) }],
    toPorts: [
      {
        ports: [
          { port: String(port), protocol: EgressProtocol.UDP },
          { port: String(port), protocol: EgressProtocol.TCP },
        ],
        rules: { dns: [{ matchPattern: '*' }] },
      },
    ],
  };
}

function platformRules(service: ServiceModel, platform: Platform): CiliumNetworkPolicySpecEgress[] {
  const rules: CiliumNetworkPolicySpecEgress[] = [dnsRule(platform)];
  if (service.nats) {
    const { namespace, podLabels, port } = platform.nats;
    rules.push({
      toEndpoints: [{ matchLabels: endpointsIn(namespace, podLabels) }],
      toPorts: [{ ports: [tcp(port)] }],
    });
  }
  if (service.files.length > 0) {
    const { namespace, podLabels, port } = platform.vault;
    rules.push({
      toEndpoints: [{ matchLabels: endpointsIn(namespace, podLabels) }],
      toPorts: [{ ports: [tcp(port)] }],
    });
  }
  return rules;
}

function peerRule(peer: PeerModel): CiliumNetworkPolicySpecEgress {
  const rule = { toEndpoints: [{ matchLabels: endpointOf(peer.namespace, peer.service) }] };
  if (peer.ports.length === 0) return rule;
  return { ...rule, toPorts: [{ ports: egressPorts(peer.ports) }] };
}

function fqdnRule(fqdn: FqdnModel): CiliumNetworkPolicySpecEgress {
  const selector = fqdn.name.includes('*') ? { matchPattern: fqdn.name } : { matchName: fqdn.name };
  return { toFqdNs: [selector], toPorts: [{ ports: fqdn.ports.map(tcp) }] };
}

function cidrRule(range: { cidr: string; ports: number[] }): CiliumNetworkPolicySpecEgress {
  const rule = { toCidr: [range.cidr] };
  return range.ports.length === 0 ? rule : { ...rule, toPorts: [{ ports: range.ports.map(tcp) }] };
}

function ingressPorts(ports: PortRef[]) {
  return ports.map((p) => ({
    port: String(p.port),
    protocol: p.protocol === 'UDP' ? IngressProtocol.UDP : IngressProtocol.TCP,
  }));
}

function ingressRule(service: ServiceModel, peer: PeerModel): CiliumNetworkPolicySpecIngress {
  const allowed = (p: PortRef) =>
    peer.ports.length === 0 ||
    peer.ports.some((q) => q.port === p.port && q.protocol === p.protocol);
  return {
    fromEndpoints: [{ matchLabels: endpointOf(peer.namespace, peer.service) }],
    toPorts: [{ ports: ingressPorts(service.ports.filter(allowed)) }],
  };
}

/** Pods outside posture: their namespace and every listed label, on the listed ports only. */
function workloadRule(peer: WorkloadPeerModel): CiliumNetworkPolicySpecIngress {
  return {
    fromEndpoints: [{ matchLabels: endpointsIn(peer.namespace, peer.podLabels) }],
    toPorts: [{ ports: ingressPorts(peer.ports) }],
  };
}

/** The port name scrapers may reach; a service without one is not scraped. */
export const METRICS_PORT = 'metrics';

function monitoringRules(service: ServiceModel, platform: Platform) {
  const metrics = service.ports.filter((p) => p.name === METRICS_PORT);
  if (!platform.monitoring || metrics.length === 0) return [];
  return [workloadRule({ ...platform.monitoring, ports: metrics })];
}

/**
 * The service's CiliumNetworkPolicy: default deny in both directions for its pods, then exactly
 * the declared ingress peers and workloads (on its declared ports), the platform's scrapers on
 * ports named `metrics`, DNS, NATS and Vault when it uses them, the declared peer services and
 * FQDNs (its own plus its exchanges' API hosts). Nothing else.
 */
export function networkPolicyPart(service: ServiceModel, platform: Platform): Part {
  const egress = [
    ...platformRules(service, platform),
    ...service.egressServices.map(peerRule),
    ...service.egressFqdns.map(fqdnRule),
    ...service.egressCidrs.map(cidrRule),
  ];
  const ingress = [
    ...service.ingress.map((peer) => ingressRule(service, peer)),
    ...service.ingressWorkloads.map(workloadRule),
    ...monitoringRules(service, platform),
  ];
  return part(`${service.name}-ciliumnetworkpolicy`, CiliumNetworkPolicy, {
    metadata: {
      name: service.name,
      namespace: service.namespace,
      labels: serviceLabels(service.namespace, service.name),
    },
    spec: {
      description: `posture: declared traffic of TradingService ${service.namespace}/${service.name}`,
      endpointSelector: { matchLabels: selectorLabels(service.name) },
      enableDefaultDeny: { ingress: true, egress: true },
      ...(ingress.length > 0 && { ingress }),
      egress,
    },
  });
}
