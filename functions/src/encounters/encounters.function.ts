import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { queryInteger } from '../host/http';
import { settingNames } from '../settings/settingNames';
import type { EncounterAccess } from './encounterAccess';
import { encounterRow } from './encounterResponses';

/**
 * The encounters feature: the users API, the once-a-minute scheduler, the queue-triggered matcher,
 * Twilio's inbound webhook, and the SMS outbox and recent-encounters reads. Without MONGODB_URI the
 * functions still exist and say what is missing. Here: the webhook and the two reads.
 */
export function createEncountersFunctions(access: EncounterAccess): HttpFunctionDefinition[] {
  const { feature } = access;
  return [
    {
      kind: 'http',
      name: 'twilioInbound',
      route: 'twilio/inbound',
      methods: ['POST'],
      // Twilio sends no token; the request signature is the authentication.
      access: { kind: 'twilioSignature' },
      handler: async (request, context) => {
        const services = await feature();
        // Loaded here: Twilio's signature check is code no other function needs at a cold start.
        const { handleTwilioInbound } = await import('./twilioWebhook.js');
        const outcome = await handleTwilioInbound(
          {
            signature: request.headers.get('x-twilio-signature'),
            contentType: request.headers.get('content-type'),
            // What Twilio signed: the URL configured in Twilio, when a proxy or custom domain
            // means the app sees another.
            url: services.twilioWebhookUrl ?? request.url,
            body: await request.text(),
          },
          { users: services.users, authToken: services.twilioAuthToken },
        );
        if (outcome !== 'ignored') context.log(`inbound SMS: number ${outcome}`);
        // An empty TwiML response: Twilio itself answers STOP and START on long codes.
        return {
          status: 200,
          headers: { 'content-type': 'text/xml' },
          body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
        };
      },
    },
    {
      kind: 'http',
      name: 'smsOutbox',
      route: 'sms/outbox',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Admin'] },
      handler: async (request) => {
        const { outbox } = await feature();
        if (!outbox)
          throw new AppError('not_found', `there is no outbox: ${settingNames.smsMode} is twilio`);
        const limit = queryInteger(request, 'limit', { min: 1, max: 1000, fallback: 100 });
        return { jsonBody: await outbox.list(limit) };
      },
    },
    {
      kind: 'http',
      name: 'recentEncounters',
      route: 'encounters/recent',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      // What the dashboard's panel shows: counts and outcomes only, in every SMS mode. Who was
      // matched with whom says who was near whom, which operators have no need to see.
      handler: async (request) => {
        const limit = queryInteger(request, 'limit', { min: 1, max: 100, fallback: 20 });
        const recent = await (await feature()).ledger.recent(limit);
        return { jsonBody: recent.map(encounterRow) };
      },
    },
  ];
}
