import { z } from 'zod';
import { cidr } from '../common/cidr.ts';
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

export const IngressSchema = z
  .array(PeerSchema)
  .max(32)
  .describe("Services allowed to connect to this one (ports are this service's ports).");

export type Peer = z.infer<typeof PeerSchema>;
export type FqdnEgress = z.infer<typeof FqdnEgressSchema>;
export type CidrEgress = z.infer<typeof CidrEgressSchema>;
export type Egress = z.infer<typeof EgressSchema>;
