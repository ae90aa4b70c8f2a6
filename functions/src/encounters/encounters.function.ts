import { randomUUID } from 'node:crypto';
import { input } from '@azure/functions';
import { AppError } from '../platform/appError';
import type { FunctionDefinition, HttpFunctionDefinition } from '../platform/functionDefinition';
import { jsonHandler, queryInteger, readJsonBody } from '../platform/http';
import { queueNames, settingNames } from '../platform/settingNames';
import { telemetryHub, telemetryMessages } from '../realtime/signalRBindings';
import type { SignalRMessage } from '../realtime/signalRMessage';
import { readEncounterJob } from './encounterScheduler';
import type { EncounterServices } from './encounterServices';
import {
  type EncounterUser,
  readEncounterSettings,
  readLocation,
  readProfile,
  readUsername,
} from './encounterUser';
import type { Notification } from './notificationLedger';
import { handleTwilioInbound } from './twilioWebhook';

/** Connection info for one app user, so that user-targeted sends reach their connections. */
const userConnectionInfo = input.generic({
  type: 'signalRConnectionInfo',
  name: 'userConnectionInfo',
  hubName: telemetryHub,
  userId: '{username}',
  connectionStringSetting: settingNames.signalR,
});

/**
 * The encounters feature: the users API, the once-a-minute scheduler, the queue-triggered matcher,
 * Twilio's inbound webhook, and the SMS outbox and recent-encounters reads. Without MONGODB_URI the
 * functions still exist and say what is missing.
 */
export function createEncounterFunctions(
  encounters: EncounterServices | undefined,
  /** The feature's bad settings, when it is off because of them. */
  problems?: readonly string[],
): FunctionDefinition[] {
  const unavailable = problems
    ? `the encounters feature is misconfigured: ${problems.join('; ')}`
    : `the encounters feature is not configured: set ${settingNames.mongodbUri}`;
  const feature = (): EncounterServices => {
    if (!encounters) throw new AppError('unavailable', unavailable);
    return encounters;
  };
  const user = (
    name: string,
    route: string,
    handle: (
      services: EncounterServices,
      username: string,
      body: unknown,
    ) => Promise<EncounterUser>,
  ): HttpFunctionDefinition => ({
    kind: 'http',
    name,
    route,
    methods: ['PUT'],
    authLevel: 'function',
    handler: jsonHandler(async (request) => {
      const services = feature();
      const username = readUsername(request.params.username);
      const body = await readJsonBody(request);
      return { jsonBody: publicUser(await handle(services, username, body)) };
    }),
  });
  let warnedUnconfigured = false;
  return [
    user('putUser', 'users/{username}', (s, username, body) =>
      s.users.putProfile(username, readProfile(body), new Date()),
    ),
    user('putUserLocation', 'users/{username}/location', (s, username, body) =>
      s.users.setLocation(username, readLocation(body), new Date()),
    ),
    user('putUserEncounter', 'users/{username}/encounter', (s, username, body) =>
      s.users.setEncounter(username, readEncounterSettings(body), new Date()),
    ),
    {
      kind: 'http',
      name: 'getUserMatches',
      route: 'users/{username}/matches',
      methods: ['GET'],
      authLevel: 'function',
      handler: jsonHandler(async (request) => {
        const username = readUsername(request.params.username);
        const history = await feature().users.matchHistory(username);
        return { jsonBody: { username, matches: [...history].reverse() } };
      }),
    },
    {
      // The app's backend hands this to a signed-in user's device; the function key guards it.
      kind: 'http',
      name: 'userNegotiate',
      route: 'users/{username}/negotiate',
      methods: ['POST'],
      authLevel: 'function',
      extraInputs: [userConnectionInfo],
      handler: jsonHandler(async (request, context) => {
        // The token carries the route's name as it is; pushes go to the stored, lower-case one.
        if (readUsername(request.params.username) !== request.params.username)
          throw new AppError('validation_failed', 'use the lower-case username in the route');
        return { jsonBody: context.extraInputs.get(userConnectionInfo) };
      }),
    },
    {
      kind: 'http',
      name: 'twilioInbound',
      route: 'twilio/inbound',
      methods: ['POST'],
      // Twilio cannot send a function key; the request signature is the authentication.
      authLevel: 'anonymous',
      handler: jsonHandler(async (request, context) => {
        const services = feature();
        const outcome = await handleTwilioInbound(
          {
            signature: request.headers.get('x-twilio-signature'),
            contentType: request.headers.get('content-type'),
            url: request.url,
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
      }),
    },
    {
      kind: 'http',
      name: 'smsOutbox',
      route: 'sms/outbox',
      methods: ['GET'],
      authLevel: 'admin',
      handler: jsonHandler(async (request) => {
        const { outbox } = feature();
        if (!outbox)
          throw new AppError('not_found', `there is no outbox: ${settingNames.smsMode} is twilio`);
        const limit = queryInteger(request, 'limit', { min: 1, max: 1000, fallback: 100 });
        return { jsonBody: await outbox.list(limit) };
      }),
    },
    {
      kind: 'http',
      name: 'recentEncounters',
      route: 'encounters/recent',
      methods: ['GET'],
      authLevel: 'anonymous',
      // What the dashboard's panel shows. Like the rest of the dashboard's API it is anonymous, and
      // who was matched with whom says who was near whom: with real SMS it shows counts and
      // outcomes only; in outbox mode (the local cloud, test stages) the messages themselves.
      handler: jsonHandler(async (request) => {
        const limit = queryInteger(request, 'limit', { min: 1, max: 100, fallback: 20 });
        const { ledger, outbox } = feature();
        const recent = await ledger.recent(limit);
        return { jsonBody: recent.map(outbox ? encounterRow : privateEncounterRow) };
      }),
    },
    {
      kind: 'timer',
      name: 'encounterScheduler',
      schedule: '0 */1 * * * *',
      handler: async (_timer, context) => {
        if (!encounters) {
          // Bad settings are an error on every run; an unset feature is said once.
          if (problems) context.error(unavailable);
          else if (!warnedUnconfigured) context.warn(`encounters are off: ${unavailable}`);
          warnedUnconfigured = true;
          return;
        }
        const run = await encounters.scheduler.run(
          new Date(),
          context.invocationId || randomUUID(),
        );
        context.log(
          `queued ${run.queued} users for window ${run.window}${run.failed ? `; ${run.failed} could not be queued and were released for the next run` : ''}`,
        );
      },
    },
    {
      kind: 'storageQueue',
      name: 'encounterMatcher',
      queueName: queueNames.encounters,
      connection: settingNames.dataStorage,
      extraOutputs: [telemetryMessages],
      handler: async (message, context) => {
        const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
        try {
          const job = readEncounterJob(message);
          const outcome = await feature().matcher.match(job, new Date(), (line) =>
            context.warn(line),
          );
          if (outcome.kind === 'skipped') {
            context.log(`${job.username}: ${outcome.reason}`);
            return;
          }
          if (outcome.pushDue)
            context.extraOutputs.set(telemetryMessages, pushes(outcome.notification));
          context.log(
            `${job.username}: ${outcome.repeat ? 'already notified for this window; nothing sent again' : `matched ${outcome.notification.matches.length}, SMS ${outcome.notification.sms}`}`,
          );
        } catch (error) {
          // The host retries with the queue's visibility timeout, then moves the message to
          // encounters-poison after host.json's maxDequeueCount; this line says why.
          context.error(
            `encounter message failed (dequeue count ${dequeueCount}); it is retried, then moved to ${queueNames.encounters}-poison: ${error instanceof Error ? error.message : String(error)}`,
          );
          throw error;
        }
      },
    },
  ];
}

function publicUser(user: EncounterUser) {
  const { encounter, ...rest } = user;
  return {
    ...rest,
    encounter: {
      enabled: encounter.enabled,
      radiusMeters: encounter.radiusMeters,
      ...(encounter.locationUpdatedAt ? { locationUpdatedAt: encounter.locationUpdatedAt } : {}),
    },
  };
}

function encounterRow(notification: Notification) {
  return {
    time: notification.createdAt.toISOString().slice(11, 19),
    user: notification.username,
    sms: notification.sms,
    // The text itself (it names the matches), so the panel shows what reached the outbox or phone.
    message: notification.message,
  };
}

function privateEncounterRow(notification: Notification) {
  return {
    time: notification.createdAt.toISOString().slice(11, 19),
    user: `${notification.username.slice(0, 2)}…`,
    sms: notification.sms,
    message: `${notification.matches.length} ${notification.matches.length === 1 ? 'match' : 'matches'}`,
  };
}

/** The user's own in-app message, and a summary for dashboards (which refresh their panel). */
function pushes(notification: Notification): SignalRMessage[] {
  const matches = notification.matches.map(
    ({ username, screenName, sharedInterests, distanceMeters }) => ({
      username,
      screenName,
      sharedInterests,
      distanceMeters: Math.round(distanceMeters),
    }),
  );
  return [
    {
      target: 'encounterMatch',
      userId: notification.username,
      arguments: [{ window: notification.window, matches }],
    },
    {
      target: 'encounterMatched',
      arguments: [
        [
          {
            username: notification.username,
            matches: matches.map((m) => m.username),
            sms: notification.sms,
          },
        ],
      ],
    },
  ];
}
