import { recordSeparator, send } from '../protocol/hubProtocol';
import { signUpstream } from '../protocol/upstreamSigning';
import type { ClientConnection } from '../state/connections';

export type UpstreamCategory = 'connections' | 'messages';

export interface Upstream {
  /** Whether an upstream is configured now (without one, serverless clients only listen). */
  configured(): boolean;
  /** Queues a call for the connection, after its earlier ones; an invocation's completion goes back to the client. */
  enqueue(
    connection: ClientConnection,
    category: UpstreamCategory,
    event: string,
    body: unknown,
    invocationId?: string,
  ): void;
}

/**
 * Upstream calls as the service makes them: POST to the URL template, the serverless protocol's
 * message as the body, and the `X-ASRS-*` headers with the connection id signed by the access key.
 * A client's invocation completes with what the endpoint answers (a hub-protocol completion), or
 * with an error when the endpoint fails.
 * https://learn.microsoft.com/azure/azure-signalr/concept-upstream#serverless-protocols
 */
export function createUpstream(options: {
  readonly accessKey: string;
  readonly template: () => string | undefined;
  readonly deliveries: number;
}): Upstream {
  async function call(
    connection: ClientConnection,
    category: UpstreamCategory,
    event: string,
    body: unknown,
    invocationId: string | undefined,
  ): Promise<Record<string, unknown>> {
    const failed = (reason: string) => ({ type: 3, invocationId, error: reason });
    const template = options.template();
    if (!template) return failed('No upstream is configured.');
    const url = template
      .replaceAll('{hub}', encodeURIComponent(connection.hub))
      .replaceAll('{category}', category)
      .replaceAll('{event}', encodeURIComponent(event));
    const headers = {
      'content-type': 'application/json',
      'x-asrs-connection-id': connection.id,
      'x-asrs-hub': connection.hub,
      'x-asrs-category': category,
      'x-asrs-event': event,
      'x-asrs-signature': signUpstream(connection.id, [options.accessKey]),
      'x-asrs-client-query': connection.query,
      ...(connection.userId ? { 'x-asrs-user-id': connection.userId } : {}),
    };
    let outcome: Record<string, unknown> = failed('The upstream did not answer.');
    for (let delivery = 0; delivery < options.deliveries; delivery++) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(100_000),
        });
        const text = await response.text();
        if (!response.ok) {
          outcome = failed(`The upstream answered ${response.status}.`);
          continue;
        }
        const completion = invocationId
          ? (JSON.parse(text.split(recordSeparator)[0] || 'null') as Record<string, unknown> | null)
          : null;
        outcome =
          completion?.type === 3
            ? { ...completion, invocationId }
            : { type: 3, invocationId, result: null };
      } catch (error) {
        outcome = failed(
          `The upstream call failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    return outcome;
  }
  return {
    configured: () => Boolean(options.template()),
    enqueue(connection, category, event, body, invocationId) {
      connection.upstream = connection.upstream.then(async () => {
        const completion = await call(connection, category, event, body, invocationId);
        if (invocationId) send(connection.socket, completion);
      });
    },
  };
}
