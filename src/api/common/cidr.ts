import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { cel } from './cel.ts';

/**
 * CIDRs are checked the way the apiserver's CEL `isCIDR` (Go netip.ParsePrefix) does: an IPv4
 * or IPv6 address without zone, a `/`, and a prefix length without leading zeros.
 */
function addressFamily(address: string): 4 | 6 | undefined {
  if (isIPv4(address)) return 4;
  // Go's netip rejects zones and IPv4-in-IPv6 notation is left out to keep one spelling.
  if (isIPv6(address) && !address.includes('%') && !address.includes('.')) return 6;
  return undefined;
}

export function cidrProblem(value: string): string | undefined {
  const [address = '', prefix, ...rest] = value.split('/');
  if (prefix === undefined || rest.length > 0) return 'use address/prefix, for example 10.0.0.0/8';
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefix)) return 'prefix length must be a number';
  const family = addressFamily(address);
  if (family === undefined) return `${address} is not an IPv4 or IPv6 address`;
  const max = family === 4 ? 32 : 128;
  if (Number(prefix) > max) return `prefix length must be at most ${max}`;
  return undefined;
}

/** The prefix length of a valid CIDR. */
export function cidrPrefixLength(value: string): number {
  return Number(value.split('/')[1]);
}

const INVALID_FIX = 'use address/prefix such as 203.0.113.0/24 or 2001:db8::/32';
const OPEN_MESSAGE = 'an open range (/0, such as 0.0.0.0/0 or ::/0) is not allowed';
const OPEN_FIX = 'list the real ranges, such as the egress gateway IPs as /32';

/** A CIDR that is not the whole address space. */
export function cidr(description: string): z.ZodString {
  const schema = z
    .string()
    .max(49)
    .superRefine((value, ctx) => {
      const problem = cidrProblem(value);
      if (problem) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid CIDR: ${problem}`,
          params: { fix: INVALID_FIX },
        });
      } else if (cidrPrefixLength(value) === 0) {
        ctx.addIssue({ code: 'custom', message: OPEN_MESSAGE, params: { fix: OPEN_FIX } });
      }
    })
    .describe(description);
  return cel(
    schema,
    { rule: 'isCIDR(self)', message: `invalid CIDR (fix: ${INVALID_FIX})` },
    {
      rule: '!isCIDR(self) || cidr(self).prefixLength() != 0',
      message: `${OPEN_MESSAGE} (fix: ${OPEN_FIX})`,
    },
  );
}

/**
 * One IP address, checked like the apiserver's CEL `isIP` (no zone, no IPv4-in-IPv6): a string
 * with a rule rather than zod's ipv4/ipv6 union, which a structural CRD schema cannot express.
 */
export function ipAddress(description: string): z.ZodString {
  const schema = z
    .string()
    .max(39)
    .refine((value) => addressFamily(value) !== undefined, {
      message: 'invalid IP address',
      params: { fix: 'use one IPv4 or IPv6 address such as 203.0.113.10, without a prefix' },
    })
    .describe(description);
  return cel(schema, {
    rule: 'isIP(self)',
    message: 'invalid IP address (fix: use one IPv4 or IPv6 address such as 203.0.113.10)',
  });
}
