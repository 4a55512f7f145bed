import { z } from 'zod';
import { rule } from '../common/cel.ts';
import { cidr } from '../common/cidr.ts';
import { podLabels } from '../common/labels.ts';
import { setOf } from '../common/lists.ts';
import { dnsLabel, fqdn, port } from '../common/names.ts';

const ports = (description: string) => setOf(port('A port number.'), 16, description).default([]);

export const PeerSchema = z
  .strictObject({
    service: dnsLabel('Name of the peer TradingService (its Service name).'),
    namespace: dnsLabel("Namespace of the peer; defaults to this object's namespace.").optional(),
    ports: ports('Ports allowed; empty means every port the target declares.'),
  })
  .describe('Another service, by name and namespace.');

export const FqdnEgressSchema = z
  .strictObject({
    name: fqdn('DNS name to allow, for example api.binance.com or *.example.com (one label).'),
    ports: setOf(port('A port number.'), 16, 'Ports allowed on that name.').default([443]),
  })
  .describe('An internet destination by DNS name: egress to the internet is by FQDN only.');

export const CidrEgressSchema = z
  .strictObject({
    cidr: cidr('Destination range; never an open range such as 0.0.0.0/0.'),
    ports: ports('Ports allowed; empty means every port.'),
    justification: z
      .string()
      .min(10)
      .max(512)
      .describe('Why this range cannot be reached by service or FQDN (reviewed with the change).'),
  })
  .describe('A destination by IP range: the exception, and it needs a written justification.');

export const EgressSchema = z
  .strictObject({
    services: z.array(PeerSchema).max(32).default([]).describe('TradingServices this one calls.'),
    fqdns: z.array(FqdnEgressSchema).max(32).default([]).describe('Internet names this one calls.'),
    cidrs: z
      .array(CidrEgressSchema)
      .max(16)
      .default([])
      .describe('IP ranges this one calls; each needs a justification.'),
  })
  .describe('Where the service may connect to; everything else is denied.');

export const WorkloadSchema = z
  .strictObject({
    namespace: dnsLabel('Namespace of the pods; required, and never a wildcard.'),
    podLabels: podLabels('Labels the pods carry, all of them; at least one.'),
  })
  .describe(
    'Pods that are not TradingServices (an ingress controller, a scraper), by namespace and labels.',
  );

const ingressPeerShape = z
  .strictObject({
    service: dnsLabel('Name of the peer TradingService (its Service name).').optional(),
    namespace: dnsLabel(
      "Namespace of the peer TradingService; defaults to this object's namespace.",
    ).optional(),
    workload: WorkloadSchema.optional(),
    ports: ports(
      'Ports of this service allowed; empty means every declared port (a workload must list them).',
    ),
  })
  .describe('Who may connect: a TradingService (service, namespace) or a workload, never both.');

type IngressPeerShape = z.output<typeof ingressPeerShape>;

const oneSource = rule(ingressPeerShape, {
  cel: 'has(self.service) != has(self.workload)',
  check: (p: IngressPeerShape) => (p.service === undefined) !== (p.workload === undefined),
  message: 'an ingress entry names either a TradingService (service) or a workload, exactly one',
  fix: 'keep service (and namespace) for a TradingService, or workload for other pods',
});

const workloadNamespace = rule(oneSource, {
  cel: '!has(self.workload) || !has(self.namespace)',
  check: (p: IngressPeerShape) => p.workload === undefined || p.namespace === undefined,
  message: "a workload peer's namespace goes in workload.namespace",
  fix: 'move namespace into workload',
  field: 'namespace',
});

export const IngressPeerSchema = rule(workloadNamespace, {
  cel: '!has(self.workload) || self.ports.size() > 0',
  check: (p: IngressPeerShape) => p.workload === undefined || p.ports.length > 0,
  message: 'a workload peer must list the ports it may reach',
  fix: 'list the ports, such as [8080]: pods outside posture get no port by default',
  field: 'ports',
});

export const IngressSchema = z
  .array(IngressPeerSchema)
  .max(32)
  .describe(
    "TradingServices and other workloads allowed to connect to this one (ports are this service's ports).",
  );

export type Peer = z.infer<typeof PeerSchema>;
export type Workload = z.infer<typeof WorkloadSchema>;
export type IngressPeer = z.infer<typeof IngressPeerSchema>;
export type FqdnEgress = z.infer<typeof FqdnEgressSchema>;
export type CidrEgress = z.infer<typeof CidrEgressSchema>;
export type Egress = z.infer<typeof EgressSchema>;
