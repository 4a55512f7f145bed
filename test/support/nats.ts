import type { NatsConnection } from 'nats';

/** The first error the server reports to `nc` after `action`, or '' when none came. */
export async function serverError(nc: NatsConnection, action: () => void): Promise<string> {
  const statuses = nc.status()[Symbol.asyncIterator]();
  action();
  await nc.flush().catch(() => undefined);
  const timeout = setTimeout(() => void statuses.return?.(), 2000);
  try {
    for (let next = await statuses.next(); !next.done; next = await statuses.next()) {
      if (String(next.value.type) === 'error') return JSON.stringify(next.value);
    }
  } finally {
    clearTimeout(timeout);
  }
  return '';
}

/** Whether `receiver` gets what `sender` publishes on `subject` (after both flushed). */
export async function delivered(
  sender: NatsConnection,
  receiver: NatsConnection,
  subject: string,
): Promise<boolean> {
  const sub = receiver.subscribe(subject, { max: 1, timeout: 1500 });
  await receiver.flush();
  sender.publish(subject, 'probe');
  await sender.flush().catch(() => undefined);
  try {
    for await (const msg of sub) return msg.string() === 'probe';
  } catch {
    return false;
  }
  return false;
}
