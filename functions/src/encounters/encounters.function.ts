import { randomUUID } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import { AppError } from '../host/appError';
import { isPermanent } from '../host/failureKind';
import type { FunctionDefinition, HttpFunctionDefinition } from '../host/functionDefinition';
import { queryInteger, readJsonBody } from '../host/http';
import type { Caller } from '../identity/caller';
import { hasRole, ownerKey } from '../identity/caller';
import type { IssueClientAccess } from '../realtime/clientAccess';
import { telemetryHub, userHub } from '../realtime/hubs';
import type { RealtimeDelivery } from '../realtime/realtimeDelivery';
import { queueNames, settingNames } from '../settings/settingNames';
import type { DeadLetterStore } from '../storage/deadLetterStore';
import { dashboardPush, encounterRow, publicUser, userPush } from './encounterResponses';
import { readEncounterJob } from './encounterScheduler';
import type { EncounterServices } from './encounterServices';
import { readEncounterSettings, readLocation, readProfile, readUsername } from './encounterUser';

/**
 * The encounters feature: the users API, the once-a-minute scheduler, the queue-triggered matcher,
 * Twilio's inbound webhook, and the SMS outbox and recent-encounters reads. Without MONGODB_URI the
 * functions still exist and say what is missing.
 */
export function createEncountersFunctions(deps: {
  /** Loaded on first use, so that a cold start of the other functions does not read its code. */
  readonly encounters: (() => Promise<EncounterServices>) | undefined;
  readonly clientAccess: IssueClientAccess;
  readonly realtime: RealtimeDelivery;
  readonly deadLetters: DeadLetterStore;
  /** The feature's bad settings, when it is off because of them. */
  readonly problems?: readonly string[] | undefined;
}): FunctionDefinition[] {
  const { encounters, clientAccess, realtime, problems } = deps;
  const unavailable = problems
    ? `the encounters feature is misconfigured: ${problems.join('; ')}`
    : `the encounters feature is not configured: set ${settingNames.mongodbUri}`;
  const feature = (): Promise<EncounterServices> => {
    if (!encounters) throw new AppError('unavailable', unavailable);
    return encounters();
  };
  /**
   * The `user` access rule's second half (the guard checked the token): the caller is the subject
   * that claimed `username`, or holds Users.Manage.
   */
  const actAs = async (services: EncounterServices, username: string, caller?: Caller) => {
    if (!caller) throw new AppError('unauthorized', 'send a bearer token');
    if (hasRole(caller, 'Users.Manage')) return;
    const owner = await services.users.ownerOf(username);
    if (owner === undefined)
      throw new AppError(
        'not_found',
        `no user ${username}; create it with PUT /api/users/${username}`,
      );
    if (owner === null)
      throw new AppError(
        'forbidden',
        `user ${username} has no owner yet: an administrator (Users.Manage) assigns it with PUT /api/users/${username}/owner`,
      );
    if (owner !== ownerKey(caller))
      throw new AppError('forbidden', `user ${username} belongs to another account`);
  };
  /** A function that acts as the route's user: `actAs` passes, then `handle` answers. */
  const asUser = (
    name: string,
    route: string,
    method: 'GET' | 'PUT' | 'POST',
    handle: (
      services: EncounterServices,
      username: string,
      request: HttpRequest,
      caller: Caller,
    ) => Promise<unknown>,
  ): HttpFunctionDefinition => ({
    kind: 'http',
    name,
    route,
    methods: [method],
    access: { kind: 'user' },
    handler: async (request, _context, caller) => {
      const services = await feature();
      const username = readUsername(request.params.username);
      await actAs(services, username, caller);
      return { jsonBody: await handle(services, username, request, caller as Caller) };
    },
  });
  let warnedUnconfigured = false;
  return [
    {
      // The first PUT claims the username for the token's subject; a taken one is 409.
      kind: 'http',
      name: 'putUser',
      route: 'users/{username}',
      methods: ['PUT'],
      access: { kind: 'user' },
      handler: async (request, _context, caller) => {
        const services = await feature();
        if (!caller) throw new AppError('unauthorized', 'send a bearer token');
        const username = readUsername(request.params.username);
        const profile = readProfile(await readJsonBody(request));
        const saved = await services.users.putProfile(username, profile, new Date(), {
          owner: ownerKey(caller),
          anyOwner: hasRole(caller, 'Users.Manage'),
        });
        return { jsonBody: publicUser(saved) };
      },
    },
    {
      // Users made before sign-in have no owner and are locked; an administrator names one.
      kind: 'http',
      name: 'putUserOwner',
      route: 'users/{username}/owner',
      methods: ['PUT'],
      access: { kind: 'roles', anyOf: ['Users.Manage'] },
      maxBodyBytes: 2048,
      handler: async (request, context, caller) => {
        const services = await feature();
        const username = readUsername(request.params.username);
        const body = (await readJsonBody(request)) as { owner?: unknown } | null;
        const owner = body?.owner;
        if (typeof owner !== 'string' || !/^https?:\/\/[^\s#]{1,400}#[^\s#]{1,200}$/.test(owner))
          throw new AppError(
            'validation_failed',
            'send {"owner": "<issuer>#<sub>"}: the token issuer and subject of the account that owns the user',
          );
        if (!(await services.users.assignOwner(username, owner)))
          throw new AppError('not_found', `no user ${username}`);
        context.log(`user ${username} given an owner by ${caller?.subject ?? 'unknown'}`);
        return { jsonBody: { username, owner } };
      },
    },
    asUser(
      'startPhoneVerification',
      'users/{username}/phone/verification',
      'POST',
      async (s, username, _request, caller) =>
        s.verification.start(
          username,
          hasRole(caller, 'Users.Manage') ? undefined : ownerKey(caller),
          new Date(),
        ),
    ),
    asUser('verifyPhone', 'users/{username}/phone/verify', 'POST', async (s, username, request) => {
      const body = (await readJsonBody(request)) as { code?: unknown } | null;
      if (typeof body?.code !== 'string')
        throw new AppError('validation_failed', 'send {"code": "<the six digits from the SMS>"}');
      await s.verification.confirm(username, body.code, new Date());
      return { username, phoneVerified: true };
    }),
    asUser('putUserLocation', 'users/{username}/location', 'PUT', async (s, username, request) =>
      publicUser(
        await s.users.setLocation(username, readLocation(await readJsonBody(request)), new Date()),
      ),
    ),
    asUser('putUserEncounter', 'users/{username}/encounter', 'PUT', async (s, username, request) =>
      publicUser(
        await s.users.setEncounter(
          username,
          readEncounterSettings(await readJsonBody(request)),
          new Date(),
        ),
      ),
    ),
    asUser('getUserMatches', 'users/{username}/matches', 'GET', async (s, username) => ({
      username,
      matches: [...(await s.users.matchHistory(username))].reverse(),
    })),
    // A signed-in user's app connects to the users' hub, where only its own messages arrive.
    asUser('userNegotiate', 'users/{username}/negotiate', 'POST', async (_s, username, request) => {
      // The token carries the route's name as it is; pushes go to the stored, lower-case one.
      if (username !== request.params.username)
        throw new AppError('validation_failed', 'use the lower-case username in the route');
      return clientAccess(userHub, username);
    }),
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
        const run = await (await encounters()).scheduler.run(
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
      handler: async (message, context) => {
        const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
        try {
          const job = readEncounterJob(message);
          const outcome = await (await feature()).matcher.match(job, new Date(), (line) =>
            context.warn(line),
          );
          if (outcome.kind === 'skipped') {
            context.log(`${job.username}: ${outcome.reason}`);
            return;
          }
          if (outcome.pushDue) {
            // Best effort, like every realtime send: the SMS and the history are what count.
            const warn = (line: string) => context.warn(line);
            await realtime.send(userHub, [userPush(outcome.notification)], warn);
            await realtime.send(telemetryHub, [dashboardPush(outcome.notification)], warn);
          }
          context.log(
            `${job.username}: ${outcome.repeat ? 'already notified for this window; nothing sent again' : `matched ${outcome.notification.matches.length}, SMS ${outcome.notification.sms}`}`,
          );
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          if (isPermanent(error)) {
            // Retrying cannot help (the message itself is wrong): set it aside at once.
            const messageId = String(context.triggerMetadata?.id ?? 'unknown');
            await deps.deadLetters.save({
              function: 'encounterMatcher',
              reason,
              source: { queueMessageId: messageId },
              body: typeof message === 'string' ? message : JSON.stringify(message),
              bodyEncoding: 'text',
            });
            context.warn(`dead-lettered encounter message ${messageId}: ${reason}`);
            return;
          }
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
