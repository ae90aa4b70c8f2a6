import http from 'node:http';

export interface SentSms {
  readonly accountSid: string;
  readonly to: string;
  readonly from: string;
  readonly body: string;
  readonly authorization: string | undefined;
}

export interface TwilioApiStandIn {
  readonly baseUrl: string;
  readonly sent: SentSms[];
  /** Makes the next messages to `to` fail with this HTTP status and Twilio error code. */
  failNext(to: string, failure: { status: number; code: number; times?: number }): void;
  stop(): Promise<void>;
}

/**
 * Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`), enough for the real
 * `twilio` SDK: form-encoded requests, JSON message resources and JSON error bodies.
 */
export async function startTwilioApi(): Promise<TwilioApiStandIn> {
  const sent: SentSms[] = [];
  const failures = new Map<string, { status: number; code: number; times: number }>();
  let sid = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/.exec(
        request.url ?? '',
      );
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.method !== 'POST' || !match)
        return reply(404, {
          code: 20404,
          message: 'The requested resource was not found',
          status: 404,
        });
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      const to = form.get('To') ?? '';
      const failure = failures.get(to);
      if (failure) {
        if (--failure.times <= 0) failures.delete(to);
        return reply(failure.status, {
          code: failure.code,
          // As Twilio words it: its messages name the To number.
          message: `The 'To' number ${to} is not valid (simulated Twilio error ${failure.code})`,
          more_info: `https://www.twilio.com/docs/errors/${failure.code}`,
          status: failure.status,
        });
      }
      const message: SentSms = {
        accountSid: match[1] as string,
        to,
        from: form.get('From') ?? form.get('MessagingServiceSid') ?? '',
        body: form.get('Body') ?? '',
        authorization: request.headers.authorization,
      };
      sent.push(message);
      sid++;
      reply(201, {
        sid: `SM${String(sid).padStart(32, '0')}`,
        account_sid: message.accountSid,
        to: message.to,
        from: message.from,
        body: message.body,
        status: 'queued',
        date_created: new Date().toUTCString(),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    sent,
    failNext: (to, failure) => failures.set(to, { ...failure, times: failure.times ?? 1 }),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
