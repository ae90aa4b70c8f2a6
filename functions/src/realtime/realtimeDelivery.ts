import type { RealtimeConfig } from '../settings/config';
import { createServiceBearer, type ServiceBearer } from './serviceAuth';
import type { SignalRMessage } from './signalRMessage';

/** Best-effort sends to SignalR clients; see {@link createRealtimeDelivery}. */
export interface RealtimeDelivery {
  /** False without SignalR settings: sends are then dropped, and health says `not_configured`. */
  readonly configured: boolean;
  /** Sends every message; never throws. Returns whether all of them were delivered. */
  send(
    hub: string,
    messages: readonly SignalRMessage[],
    log: (line: string) => void,
  ): Promise<boolean>;
  /**
   * Adds a user to a group (or removes one), for every connection of theirs, now and later. Unlike
   * sends it throws when the service refuses or cannot be reached: a member left out of the group
   * would miss every change, so the caller's operation fails and is retried.
   */
  setGroupMembership(hub: string, group: string, userId: string, member: boolean): Promise<void>;
  /**
   * For `/api/health/details`: throws while the latest failed send is under five minutes old. Not
   * a probe of the service, which would spend its message quota.
   */
  check(): Promise<void>;
}

const attempts = 3;
const timeoutMs = 5_000;
/** After a send fails every try, later sends are dropped at once for this long (a breaker). */
const pauseAfterFailureMs = 10_000;

/**
 * Realtime delivery that never blocks state. Functions send through the service's REST API from
 * the handler, not through the SignalR output binding: a binding whose delivery fails fails the
 * invocation, and with the Event Hubs retry policy that would pause the partition (the Free tier's
 * daily message quota running out would stop ingest). Each message gets three tries with a short
 * backoff; then it is dropped, logged and counted, and dashboards catch up by re-reading the API.
 * While the service is failing, sends are dropped without trying for a few seconds, so an outage
 * does not slow ingest down by the retries.
 */
export function createRealtimeDelivery(
  config: RealtimeConfig | undefined,
  options: {
    readonly bearer?: ServiceBearer;
    readonly backoffMs?: number;
    readonly now?: () => number;
  } = {},
): RealtimeDelivery {
  const now = options.now ?? Date.now;
  // One per hub: a hub the service throttles or fails does not silence the others.
  const breakers = new Map<string, { until: number; reason: string }>();
  const bearer = config ? (options.bearer ?? createServiceBearer(config)) : undefined;
  const backoffMs = options.backoffMs ?? 200;
  let failedSends = 0;
  /** Messages the service refused as too large (413): counted, never retried, no breaker. */
  let refusedTooLarge = 0;
  let lastFailure: { at: number; error: string } | undefined;

  async function post(url: string, body: string | undefined, method = 'POST'): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1)
        await new Promise((resolve) => setTimeout(resolve, backoffMs * 4 ** (attempt - 2)));
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${await (bearer as ServiceBearer)(url)}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        lastError = error; // unreachable, timed out, or no token yet: try again
        continue;
      }
      if (response.ok) return;
      lastError = new SendRefused(
        response.status,
        `SignalR answered ${response.status} to ${method} ${url}`,
      );
      // Throttled or failing: try again. Refused (a quota, a bad token): retrying will not help.
      if (response.status !== 429 && response.status < 500) break;
    }
    throw lastError;
  }

  return {
    async send(hub, messages, log) {
      if (messages.length === 0) return true;
      if (!config) return false;
      // Concurrently: a batch's broadcasts (device state, rejections, alarms) cost one round trip,
      // not one each. Their order does not matter to clients: each target merges on its own.
      const outcomes = await Promise.all(
        messages.map(async (message) => {
          const base = `${config.endpoint}/api/v1/hubs/${encodeURIComponent(hub)}`;
          const url = message.userId
            ? `${base}/users/${encodeURIComponent(message.userId)}`
            : message.groupName
              ? `${base}/groups/${encodeURIComponent(message.groupName)}`
              : message.connectionId
                ? `${base}/connections/${encodeURIComponent(message.connectionId)}`
                : base;
          const breaker = breakers.get(hub);
          try {
            if (breaker && now() < breaker.until)
              throw new Error(
                `not tried while SignalR is failing on hub ${hub} (${breaker.reason})`,
              );
            await post(
              url,
              JSON.stringify({ target: message.target, arguments: message.arguments }),
            );
            return true;
          } catch (error) {
            failedSends++;
            const reason = error instanceof Error ? error.message : String(error);
            const status = error instanceof SendRefused ? error.status : undefined;
            if (status === 413) refusedTooLarge++;
            // Only throttling, server errors and the network mean the service is failing; a
            // refusal of one message (413, 400, 403) says nothing about the next one.
            const serviceFailing = status === undefined || status === 429 || status >= 500;
            if (serviceFailing && !(breaker && now() < breaker.until))
              breakers.set(hub, { until: now() + pauseAfterFailureMs, reason });
            lastFailure = { at: now(), error: reason };
            log(
              `realtime delivery failed (${failedSends} since start), ${message.target} to hub ${hub} dropped; state is saved and dashboards resync: ${lastFailure.error}`,
            );
            return false;
          }
        }),
      );
      const delivered = outcomes.every(Boolean);
      return delivered;
    },
    async setGroupMembership(hub, group, userId, member) {
      if (!config) throw new Error('SignalR is not configured');
      // https://learn.microsoft.com/azure/azure-signalr/signalr-reference-data-plane-rest-api
      const url = `${config.endpoint}/api/v1/hubs/${encodeURIComponent(hub)}/groups/${encodeURIComponent(group)}/users/${encodeURIComponent(userId)}`;
      await post(url, undefined, member ? 'PUT' : 'DELETE');
    },
    configured: config !== undefined,
    async check() {
      if (lastFailure && now() - lastFailure.at < 5 * 60_000)
        throw new Error(
          `${failedSends} realtime sends failed since start (${refusedTooLarge} refused as too large); the last at ${new Date(lastFailure.at).toISOString()}: ${lastFailure.error}`,
        );
    },
  };
}

/** The service answered, and refused: its status says whether the service itself is failing. */
class SendRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
