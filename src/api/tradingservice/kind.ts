import { AGE_COLUMN, type KindInfo, READY_COLUMN, resourceOf } from '../common/kind.ts';
import {
  TradingServiceSchema,
  TradingServiceSpecSchema,
  TradingServiceStatusSchema,
} from './schema.ts';

export const tradingServiceKind: KindInfo<typeof TradingServiceSchema> = {
  kind: 'TradingService',
  plural: 'tradingservices',
  singular: 'tradingservice',
  listKind: 'TradingServiceList',
  shortNames: ['ts', 'tsvc'],
  scope: 'Namespaced',
  schema: TradingServiceSchema,
  spec: TradingServiceSpecSchema,
  status: TradingServiceStatusSchema,
  description:
    'A service of the trading platform with exactly the secrets, network paths and NATS subjects it declares.',
  printerColumns: [
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired pods.' },
    {
      name: 'Available',
      type: 'integer',
      jsonPath: '.status.readyReplicas',
      description: 'Ready pods.',
    },
    READY_COLUMN,
    {
      name: 'Image',
      type: 'string',
      jsonPath: '.spec.image',
      priority: 1,
      description: 'Image by digest.',
    },
    AGE_COLUMN,
  ],
};

/** Its REST coordinates, for the kube client and informers. */
export const TRADING_SERVICE = resourceOf(tradingServiceKind);
