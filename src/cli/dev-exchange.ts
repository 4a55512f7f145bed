import type { ExchangeCredential } from '../api/exchangecredential/schema.ts';
import { FakeExchange } from '../exchanges/testing/fake-exchange.ts';
import { introspects } from '../exchanges/types.ts';
import type { Platform } from '../api/platform/settings.ts';
import type { VaultAdapter } from '../vault/adapter.ts';

/**
 * Local development only: Binance and Bybit stand-ins on loopback for the ExchangeCredentials'
 * daily check, holding the dev keys just seeded in Vault as trade-only keys bound to the
 * platform's egress IPs. The operator is pointed at them (`--exchange-endpoint`), so a random
 * dev key never goes to a real exchange.
 */
export async function startDevExchange(
  vault: VaultAdapter,
  credentials: readonly ExchangeCredential[],
  platform: Platform,
): Promise<FakeExchange> {
  const exchange = await FakeExchange.start();
  for (const { spec } of credentials) {
    if (!introspects(spec.exchange)) continue;
    const data = (await vault.kvRead(spec.vaultPath))?.data;
    if (!data?.apiKey || !data.apiSecret) continue;
    exchange.setKey(spec.exchange, {
      apiKey: data.apiKey,
      apiSecret: data.apiSecret,
      ips: [...platform.egressGateway.ips],
    });
  }
  return exchange;
}
