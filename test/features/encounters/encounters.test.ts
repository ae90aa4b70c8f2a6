import { QueueClient } from '@azure/storage-queue';
import { freePort } from '@fieldline/emulator-kit';
import { earthRadiusMeters } from '@fieldline/mongo-emulator';
import { type RunningSignalR, startSignalRServer } from '@fieldline/signalr-emulator';
import { type Collection, MongoClient } from 'mongodb';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceStepMeters } from '../../../functions/src/encounters/encounterResponses';
import { windowOf } from '../../../functions/src/encounters/encounterScheduler';
import { userLimits } from '../../../functions/src/encounters/encounterUser';
import { useAzurite } from '../../support/azuriteFixture';
import { useMongo } from '../../support/mongoFixture';
import {
  createTestFunctionApp,
  type TestFunctionApp,
  testOperator,
  testUser,
} from '../../support/testFunctionApp';
import { startTwilioApi, type TwilioApiStandIn } from '../../support/twilioApi';

const azurite = useAzurite();
const newDatabase = useMongo();
let twilio: TwilioApiStandIn;
let signalR: RunningSignalR;
const clients: MongoClient[] = [];
beforeAll(async () => {
  twilio = await startTwilioApi();
  signalR = await startSignalRServer(0);
});
const apps: TestFunctionApp[] = [];
afterAll(async () => {
  await twilio.stop();
  await signalR.stop();
  await Promise.all([
    ...clients.map((client) => client.close()),
    ...apps.map((app) => app.close()),
  ]);
});

const accountSid = `AC${'ab12'.repeat(8)}`;
const authToken = 'twilio-test-auth-token';
const sender = '+15005550006';

interface Encounters {
  readonly app: TestFunctionApp;
  readonly uri: string;
  /** The users collection through the official driver, for what the API cannot do (age a location). */
  readonly users: () => Promise<Collection>;
}

/** The function app against its own database; SMS go to the Twilio stand-in unless overridden. */
function encounters(env: Record<string, string> = {}, uri = newDatabase()): Encounters {
  const app = createTestFunctionApp(azurite().connectionString, {
    env: {
      MONGODB_URI: uri,
      SMS_MODE: 'twilio',
      TWILIO_ACCOUNT_SID: accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_FROM: sender,
      TWILIO_API_BASE_URL: twilio.baseUrl,
      AzureSignalRConnectionString: signalR.connectionString,
      ...env,
    },
  });
  apps.push(app);
  let client: MongoClient | undefined;
  return {
    app,
    uri,
    users: async () => {
      if (!client) {
        client = new MongoClient(uri, { retryWrites: false });
        clients.push(client);
      }
      return client.db().collection('users');
    },
  };
}

// Points due north of an origin lie on one meridian, where the great-circle distance is exact.
const origin = { lat: 51.5, lng: -0.12 };
const north = (metres: number) => ({
  lat: origin.lat + (metres / earthRadiusMeters) * (180 / Math.PI),
  lng: origin.lng,
});

let phoneSequence = 0;
const nextPhone = () => `+1555020${String(++phoneSequence).padStart(4, '0')}`;

async function put(
  app: TestFunctionApp,
  name: string,
  path: string,
  username: string,
  body: unknown,
) {
  return app.http(name, { method: 'PUT', path, params: { username }, body });
}

/** The newest verification code a phone received (from the Twilio stand-in or the outbox). */
async function codeFor(app: TestFunctionApp, phone: string): Promise<string> {
  const fromTwilio = twilio.sent.filter((sms) => sms.to === phone).map((sms) => sms.body);
  const outbox = await app.http('smsOutbox', { path: 'sms/outbox?limit=1000' });
  const fromOutbox =
    outbox.status === 200
      ? (outbox.body as { to: string; body: string }[])
          .filter((e) => e.to === phone)
          .map((e) => e.body)
      : [];
  const codes = [...fromTwilio, ...fromOutbox]
    .map((body) => /code is (\d{6})/.exec(body)?.[1])
    .filter((code): code is string => code !== undefined);
  const code = codes.at(-1);
  if (!code) throw new Error(`no verification code reached ${phone}`);
  return code;
}

/** Proves the user's phone theirs, as a client would: ask for a code, send it back. */
async function verifyPhone(app: TestFunctionApp, username: string, phone: string) {
  const asked = await app.http('startPhoneVerification', {
    method: 'POST',
    path: `users/${username}/phone/verification`,
    params: { username },
  });
  expect(asked.status, JSON.stringify(asked.body)).toBe(200);
  const verified = await app.http('verifyPhone', {
    method: 'POST',
    path: `users/${username}/phone/verify`,
    params: { username },
    body: { code: await codeFor(app, phone) },
  });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
}

async function createUser(
  { app }: Encounters,
  username: string,
  options: {
    at?: { lat: number; lng: number };
    interests: string[];
    enabled?: boolean;
    radiusMeters?: number;
    phone?: string;
  },
): Promise<string> {
  const phone = options.phone ?? nextPhone();
  const steps = [
    await put(app, 'putUser', `users/${username}`, username, {
      screenName: username.toUpperCase(),
      phone,
      interests: options.interests,
    }),
    await put(app, 'putUserLocation', `users/${username}/location`, username, options.at ?? origin),
    await put(app, 'putUserEncounter', `users/${username}/encounter`, username, {
      enabled: options.enabled ?? true,
      radiusMeters: options.radiusMeters ?? 1000,
    }),
  ];
  for (const step of steps) expect(step.status, JSON.stringify(step.body)).toBe(200);
  await verifyPhone(app, username, phone);
  return phone;
}

const match = (app: TestFunctionApp, username: string, window: number, dequeueCount = 1) =>
  app.queue('encounterMatcher', { username, window }, dequeueCount);

// Match SMS only: verification codes go to the same numbers.
const sentTo = (phone: string) =>
  twilio.sent.filter((sms) => sms.to === phone && !/code is \d{6}/.test(sms.body));

async function recent({ app }: Encounters): Promise<{ matches: number; sms: string }[]> {
  const response = await app.http('recentEncounters', { path: 'encounters/recent' });
  return response.body as { matches: number; sms: string }[];
}

describe('the users API', () => {
  it('answers every invalid body with a 400 naming the problem', async () => {
    const { app } = encounters();
    await createUser({ app } as Encounters, 'valid_user', { interests: ['a', 'b'] });
    const cases: [string, string, unknown, string][] = [
      [
        'putUser',
        'users/valid_user',
        { screenName: 'V', phone: '07700 900123', interests: [] },
        'phone',
      ],
      [
        'putUser',
        'users/valid_user',
        { screenName: '', phone: '+447700900123', interests: [] },
        'screenName',
      ],
      [
        'putUser',
        'users/valid_user',
        {
          screenName: 'V',
          phone: '+447700900123',
          interests: Array.from({ length: 21 }, (_, i) => `i${i}`),
        },
        'at most 20',
      ],
      [
        'putUser',
        'users/valid_user',
        { screenName: 'V', phone: '+447700900123', interests: ['x'.repeat(41)] },
        'at most 40',
      ],
      [
        'putUser',
        'users/valid_user',
        { screenName: 'V', phone: '+447700900123', interests: 'chess' },
        'interests',
      ],
      ['putUserLocation', 'users/valid_user/location', { lat: 90.5, lng: 0 }, 'lat'],
      ['putUserLocation', 'users/valid_user/location', { lat: 0, lng: -180.01 }, 'lng'],
      ['putUserLocation', 'users/valid_user/location', { lat: '1', lng: 0 }, 'lat'],
      [
        'putUserEncounter',
        'users/valid_user/encounter',
        { enabled: true, radiusMeters: 49 },
        'radiusMeters',
      ],
      [
        'putUserEncounter',
        'users/valid_user/encounter',
        { enabled: true, radiusMeters: 50_001 },
        'radiusMeters',
      ],
      ['putUserEncounter', 'users/valid_user/encounter', { enabled: 'yes' }, 'enabled'],
      ['putUserEncounter', 'users/valid_user/encounter', [], 'JSON object'],
    ];
    for (const [name, path, body, mention] of cases) {
      const response = await put(app, name, path, 'valid_user', body);
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(response.body).toEqual({
        error: { code: 'validation_failed', message: expect.stringContaining(mention) },
      });
    }
    expect(
      (await put(app, 'putUser', 'users/valid_user', 'valid_user', '{"screenName":')).body,
    ).toMatchObject({
      error: { code: 'invalid_json' },
    });
    expect((await put(app, 'putUser', 'users/No Way', 'No Way', {})).status).toBe(400);
    const unknown = await put(app, 'putUserLocation', 'users/nobody/location', 'nobody', origin);
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });

  it('stores a profile with normalised interests, opted out until the user opts in', async () => {
    const { app } = encounters();
    const response = await put(app, 'putUser', 'users/Ada_L', 'Ada_L', {
      screenName: ' Ada ',
      phone: '+447700900123',
      interests: ['Chess', 'chess ', 'Jazz'],
    });
    expect(response).toMatchObject({
      status: 200,
      body: {
        username: 'ada_l',
        screenName: 'Ada',
        interests: ['chess', 'jazz'],
        phoneStatus: 'ok',
        matchHistory: [],
        encounter: { enabled: false, radiusMeters: 1000 },
      },
    });
    const matches = await app.http('getUserMatches', {
      path: 'users/ada_l/matches',
      params: { username: 'ada_l' },
    });
    expect(matches).toEqual({ status: 200, body: { username: 'ada_l', matches: [] } });
    // Pushes go to the stored name, so a connection must be negotiated for exactly that name.
    const negotiate = (username: string) =>
      app.http('userNegotiate', {
        method: 'POST',
        path: `users/${username}/negotiate`,
        params: { username },
      });
    expect(await negotiate('Ada_L')).toMatchObject({
      status: 400,
      body: { error: { code: 'validation_failed' } },
    });
    // A token for the users' hub, for that user id only, minted by the service's REST API.
    const info = (await negotiate('ada_l')).body as { url: string; accessToken: string };
    expect(info.url).toBe(`${signalR.endpoint}/client/?hub=users`);
    const claims = JSON.parse(
      Buffer.from(info.accessToken.split('.')[1] ?? '', 'base64url').toString(),
    );
    expect(claims).toMatchObject({ aud: info.url, nameid: 'ada_l' });
  });
});

describe('who may act as a user', () => {
  const profile = { screenName: 'Me', phone: '+447700900555', interests: ['a', 'b'] };
  const as = (caller: ReturnType<typeof testUser>) => ({ caller });

  it('lets the first PUT claim a username, and only its subject (or Users.Manage) use it', async () => {
    const { app } = encounters();
    const ann = testUser('subject-ann');
    const ben = testUser('subject-ben');
    const call = (name: string, path: string, caller: typeof ann, body?: unknown) =>
      app.http(name, {
        method: body === undefined ? (name === 'getUserMatches' ? 'GET' : 'POST') : 'PUT',
        path,
        params: { username: 'ann' },
        ...(body === undefined ? {} : { body }),
        ...as(caller),
      });
    expect((await call('putUser', 'users/ann', ann, profile)).status).toBe(200);
    expect((await call('putUser', 'users/ann', ann, profile)).status).toBe(200);
    expect(await call('putUser', 'users/ann', ben, profile)).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict' } },
    });
    for (const [name, path, body] of [
      ['putUserLocation', 'users/ann/location', origin],
      ['putUserEncounter', 'users/ann/encounter', { enabled: true }],
      ['getUserMatches', 'users/ann/matches', undefined],
      ['userNegotiate', 'users/ann/negotiate', undefined],
    ] as const) {
      expect(await call(name, path, ben, body), name).toMatchObject({
        status: 403,
        body: { error: { code: 'forbidden' } },
      });
      expect((await call(name, path, ann, body)).status, name).toBe(200);
    }
    // A back end with Users.Manage acts for any user, and does not take the name over.
    const backEnd = { ...testUser('backend'), roles: new Set(['Users.Manage']) };
    expect((await call('putUserLocation', 'users/ann/location', backEnd, origin)).status).toBe(200);
    expect((await call('putUser', 'users/ann', ann, profile)).status).toBe(200);
    // Fleet roles are not user roles.
    const operator = { ...testUser('op'), roles: new Set(['Fleet.Admin', 'Fleet.Read']) };
    expect((await call('getUserMatches', 'users/ann/matches', operator)).status).toBe(403);
    expect(
      (
        await app.http('getUserMatches', {
          path: 'users/ann/matches',
          params: { username: 'ann' },
          caller: null,
        })
      ).status,
    ).toBe(401);
    // The stored owner never leaves the API.
    expect(JSON.stringify((await call('putUser', 'users/ann', ann, profile)).body)).not.toContain(
      'subject-ann',
    );
  });
});

describe('claims that cannot be abused (regressions)', () => {
  const profile = { screenName: 'Me', phone: '+447700900555', interests: ['a', 'b'] };
  const as = (caller: ReturnType<typeof testUser>) => ({ caller });
  it('allows one username per account, and Users.Manage back ends any number', async () => {
    const { app } = encounters();
    const eve = testUser('subject-eve');
    const put = (username: string, caller: typeof eve) =>
      app.http('putUser', {
        method: 'PUT',
        path: `users/${username}`,
        params: { username },
        body: profile,
        ...as(caller),
      });
    expect((await put('eve', eve)).status).toBe(200);
    expect(await put('eve_probe_2', eve)).toMatchObject({
      status: 409,
      body: {
        error: {
          code: 'conflict',
          message: 'this account already has the username eve: one username per account',
        },
      },
    });
    const backEnd = { ...testUser('backend'), roles: new Set(['Users.Manage']) };
    for (const username of ['kiosk_1', 'kiosk_2'])
      expect((await put(username, backEnd)).status).toBe(200);
  });

  it('locks a user made before sign-in until an administrator names its owner', async () => {
    const env = encounters();
    // A user from before identity: no owner.
    await (await env.users()).insertOne({
      username: 'legacy',
      screenName: 'Legacy',
      phone: '+447700900999',
      interests: [],
      encounter: { enabled: false, radiusMeters: 1000, queuedWindow: 0 },
      matchHistory: [],
      phoneStatus: 'ok',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const mallory = testUser('subject-mallory');
    const claim = () =>
      env.app.http('putUser', {
        method: 'PUT',
        path: 'users/legacy',
        params: { username: 'legacy' },
        body: profile,
        ...as(mallory),
      });
    expect(await claim()).toMatchObject({
      status: 403,
      body: {
        error: {
          code: 'forbidden',
          message: expect.stringMatching(/^user legacy has no owner yet/),
        },
      },
    });
    const assign = (caller: typeof mallory, owner: string) =>
      env.app.http('putUserOwner', {
        method: 'PUT',
        path: 'users/legacy/owner',
        params: { username: 'legacy' },
        body: { owner },
        ...as(caller),
      });
    expect((await assign(mallory, `${mallory.issuer}#${mallory.subject}`)).status).toBe(403);
    const admin = { ...testUser('admin'), roles: new Set(['Users.Manage']) };
    expect((await assign(admin, 'not an owner')).status).toBe(400);
    expect((await assign(admin, `${mallory.issuer}#${mallory.subject}`)).status).toBe(200);
    expect((await claim()).status).toBe(200);
  });

  it('texts a phone only once a code sent to it came back; codes are limited per number, per account and per try', async () => {
    const env = encounters();
    const ivy = testUser('subject-ivy');
    const call = (name: string, path: string, body?: unknown, method = 'POST') =>
      env.app.http(name, {
        method,
        path,
        params: { username: 'ivy' },
        ...(body === undefined ? {} : { body }),
        ...as(ivy),
      });
    const phone = '+447700900321';
    expect((await call('putUser', 'users/ivy', { ...profile, phone }, 'PUT')).body).toMatchObject({
      phoneVerified: false,
    });
    // Unverified: a match texts nobody.
    await call('putUserLocation', 'users/ivy/location', origin, 'PUT');
    await call('putUserEncounter', 'users/ivy/encounter', { enabled: true }, 'PUT');
    await createUser(env, 'ivy_m', { at: north(100), interests: ['a', 'b'] });
    await match(env.app, 'ivy', 1);
    expect(sentTo(phone)).toEqual([]);
    expect((await recent(env)).map((row) => row.sms)).toContain('skipped');

    expect((await call('startPhoneVerification', 'users/ivy/phone/verification')).status).toBe(200);
    // Wrong codes count down, and the fifth voids the code.
    for (let left = 4; left >= 0; left--)
      expect(
        await call('verifyPhone', 'users/ivy/phone/verify', {
          code: '000000' === (await codeFor(env.app, phone)) ? '111111' : '000000',
        }),
      ).toMatchObject({
        status: 400,
        body: { error: { message: `the code is wrong (${left} tries left)` } },
      });
    expect(
      (await call('verifyPhone', 'users/ivy/phone/verify', { code: await codeFor(env.app, phone) }))
        .body,
    ).toMatchObject({
      error: { message: expect.stringMatching(/^no code is waiting/) },
    });
    // Two more codes to this number, then the number's hourly limit.
    expect((await call('startPhoneVerification', 'users/ivy/phone/verification')).status).toBe(200);
    expect(
      (await call('verifyPhone', 'users/ivy/phone/verify', { code: await codeFor(env.app, phone) }))
        .status,
    ).toBe(200);
    await call('putUser', 'users/ivy', { ...profile, phone: '+447700900322' }, 'PUT');
    expect((await call('putUser', 'users/ivy', { ...profile, phone }, 'PUT')).body).toMatchObject({
      phoneVerified: false,
    });
    expect((await call('startPhoneVerification', 'users/ivy/phone/verification')).status).toBe(200);
    const limited = await call('startPhoneVerification', 'users/ivy/phone/verification');
    expect(limited).toMatchObject({
      status: 429,
      body: { error: { message: 'at most 3 codes an hour to one number; try again later' } },
    });
    // One account asks for at most 5 codes an hour, whatever the numbers.
    for (const n of [1, 2, 3]) {
      await call('putUser', 'users/ivy', { ...profile, phone: `+44770090040${n}` }, 'PUT');
      const asked = await call('startPhoneVerification', 'users/ivy/phone/verification');
      expect(asked.status).toBe(n <= 2 ? 200 : 429);
      if (n > 2)
        expect(asked.body).toMatchObject({
          error: { message: 'at most 5 codes an hour for one account; try again later' },
        });
    }
  });

  it('takes no radius finer than the 250 m distances are rounded to', async () => {
    const { app } = encounters();
    const gil = testUser('subject-gil');
    const call = (name: string, path: string, body: unknown) =>
      app.http(name, { method: 'PUT', path, params: { username: 'gil' }, body, ...as(gil) });
    expect((await call('putUser', 'users/gil', profile)).status).toBe(200);
    expect(
      await call('putUserEncounter', 'users/gil/encounter', { enabled: true, radiusMeters: 50 }),
    ).toMatchObject({
      status: 400,
      body: { error: { message: 'radiusMeters must be a number from 250 to 50000' } },
    });
    expect(userLimits.minRadiusMeters).toBe(distanceStepMeters);
  });
});

describe('matching', () => {
  it('applies the rules at their boundaries and ranks by shared interests, then distance', async () => {
    const env = encounters({ ENCOUNTER_MAX_MATCHES: '3' });
    const { app } = env;
    const phone = await createUser(env, 'alice', {
      interests: ['climbing', 'jazz', 'chess', 'films'],
    });
    // Someone Alice has already been told about is never matched again.
    await createUser(env, 'seen_before', {
      at: north(10),
      interests: ['climbing', 'jazz', 'chess'],
    });
    await match(app, 'alice', 1);
    expect(sentTo(phone).map((sms) => sms.body)).toEqual([
      "ALICE, we've found matches for you: @seen_before!",
    ]);

    await createUser(env, 'inside_edge', { at: north(990), interests: ['climbing', 'jazz'] });
    await createUser(env, 'outside_edge', {
      at: north(1010),
      interests: ['climbing', 'jazz', 'chess'],
    });
    await createUser(env, 'one_shared', { at: north(100), interests: ['climbing', 'baking'] });
    await createUser(env, 'opted_out', {
      at: north(50),
      interests: ['climbing', 'jazz', 'chess'],
      enabled: false,
    });
    await createUser(env, 'stale', { at: north(20), interests: ['climbing', 'jazz', 'chess'] });
    await (await env.users()).updateOne(
      { username: 'stale' },
      { $set: { 'encounter.locationUpdatedAt': new Date(Date.now() - 16 * 60_000) } },
    );
    await createUser(env, 'best', { at: north(500), interests: ['climbing', 'jazz', 'chess'] });
    await createUser(env, 'near_two', { at: north(200), interests: ['jazz', 'chess', 'baking'] });
    await createUser(env, 'also_two', { at: north(300), interests: ['films', 'chess'] });

    const pushes = await match(app, 'alice', 2);
    expect(sentTo(phone).at(-1)?.body).toBe(
      "ALICE, we've found matches for you: @best, @near_two, @also_two!",
    );
    expect(pushes).toEqual([
      {
        target: 'encounterMatch',
        userId: 'alice',
        arguments: [
          {
            window: 2,
            matches: [
              // Distances are rounded up to 250 m steps, so that accounts cannot trilaterate.
              { username: 'best', screenName: 'BEST', sharedInterests: 3, distanceMeters: 500 },
              {
                username: 'near_two',
                screenName: 'NEAR_TWO',
                sharedInterests: 2,
                distanceMeters: 250,
              },
              {
                username: 'also_two',
                screenName: 'ALSO_TWO',
                sharedInterests: 2,
                distanceMeters: 500,
              },
            ],
          },
        ],
      },
      // Dashboards learn how many and the outcome, never who.
      { target: 'encounterMatched', arguments: [[{ matches: 3, sms: 'sent' }]] },
    ]);
    // The next window finds the one left inside the radius; after that, nobody is left.
    await match(app, 'alice', 3);
    expect(sentTo(phone).at(-1)?.body).toBe("ALICE, we've found matches for you: @inside_edge!");
    await match(app, 'alice', 4);
    expect(sentTo(phone)).toHaveLength(3);
    const history = await app.http('getUserMatches', {
      path: 'users/alice/matches',
      params: { username: 'alice' },
    });
    expect(history.body).toEqual({
      username: 'alice',
      matches: ['inside_edge', 'also_two', 'near_two', 'best', 'seen_before'],
    });
  });
});

describe('encounterScheduler', () => {
  it('queues every opted-in user with a fresh location once per window, however often it fires', async () => {
    const env = encounters();
    const queue = new QueueClient(azurite().connectionString, 'encounters');
    await queue.createIfNotExists();
    await queue.clearMessages();
    for (const name of ['sched_a', 'sched_b', 'sched_c'])
      await createUser(env, name, { interests: ['x', 'y'] });
    await createUser(env, 'sched_off', { interests: ['x', 'y'], enabled: false });
    await createUser(env, 'sched_stale', { interests: ['x', 'y'] });
    await (await env.users()).updateOne(
      { username: 'sched_stale' },
      { $set: { 'encounter.locationUpdatedAt': new Date(Date.now() - 3_600_000) } },
    );
    // Fire well inside one minute, so that every run below falls in the same window.
    while (Date.now() % 60_000 > 55_000) await new Promise((resolve) => setTimeout(resolve, 250));
    const window = windowOf(new Date());
    await Promise.all([env.app.timer('encounterScheduler'), env.app.timer('encounterScheduler')]);
    await env.app.timer('encounterScheduler');

    const { peekedMessageItems } = await queue.peekMessages({ numberOfMessages: 32 });
    const jobs = peekedMessageItems.map((m) =>
      JSON.parse(Buffer.from(m.messageText, 'base64').toString()),
    );
    expect(jobs.map((job) => job.username).sort()).toEqual(['sched_a', 'sched_b', 'sched_c']);
    expect(new Set(jobs.map((job) => job.window))).toEqual(new Set([window]));
    expect(env.app.logs.filter((line) => line.includes('queued 3 users'))).toHaveLength(1);
    expect(env.app.logs.filter((line) => line.includes('queued 0 users'))).toHaveLength(2);
  });
});

describe('encounterMatcher deliveries', () => {
  it('sends nothing twice when a message is redelivered, one after the other or at once', async () => {
    const env = encounters();
    const phone = await createUser(env, 'redo', { interests: ['tea', 'maps'] });
    await createUser(env, 'redo_m1', { at: north(100), interests: ['tea', 'maps'] });
    await createUser(env, 'redo_m2', { at: north(200), interests: ['tea', 'maps'] });
    await createUser(env, 'redo_m3', { at: north(300), interests: ['tea', 'maps'] });

    const first = await match(env.app, 'redo', 7);
    const again = await match(env.app, 'redo', 7, 2);
    expect(sentTo(phone)).toHaveLength(1);
    // At most two matches by default.
    expect(sentTo(phone)[0]?.body).toBe("REDO, we've found matches for you: @redo_m1, @redo_m2!");
    expect(first.map((m) => m.target)).toEqual(['encounterMatch', 'encounterMatched']);
    expect(again).toEqual([]);

    await Promise.all([match(env.app, 'redo', 8), match(env.app, 'redo', 8, 2)]);
    expect(sentTo(phone)).toHaveLength(2);
    expect(sentTo(phone)[1]?.body).toBe("REDO, we've found matches for you: @redo_m3!");
    const history = await env.app.http('getUserMatches', {
      path: 'users/redo/matches',
      params: { username: 'redo' },
    });
    expect(history.body).toEqual({ username: 'redo', matches: ['redo_m3', 'redo_m2', 'redo_m1'] });
  });

  it.each([
    ['rate limited (20429)', 429, 20429],
    ['a Twilio 5xx', 503, 20503],
  ])('retries on %s and sends once when the retry succeeds', async (_label, status, code) => {
    const env = encounters();
    const phone = await createUser(env, `busy_${code}`, { interests: ['tea', 'maps'] });
    await createUser(env, `busy_${code}_m`, { at: north(100), interests: ['tea', 'maps'] });
    twilio.failNext(phone, { status, code });
    await expect(match(env.app, `busy_${code}`, 1)).rejects.toThrow(String(code));
    expect(
      env.app.logs.some(
        (line) => line.includes('dequeue count 1') && line.includes('encounters-poison'),
      ),
    ).toBe(true);
    expect(sentTo(phone)).toHaveLength(0);
    expect(await recent(env)).toEqual([]); // the key was released
    await match(env.app, `busy_${code}`, 1, 2);
    expect(sentTo(phone)).toHaveLength(1);
    // The dashboard's feed says how many and the outcome, never who.
    expect(await recent(env)).toEqual([{ time: expect.any(String), matches: 1, sms: 'sent' }]);
  });

  it('retries when Twilio cannot be reached', async () => {
    const uri = newDatabase();
    const closed = `http://127.0.0.1:${await freePort()}`;
    // The users (and their verification codes) while Twilio answers; the match while it does not.
    const online = encounters({}, uri);
    const phone = await createUser(online, 'offline', { interests: ['tea', 'maps'] });
    await createUser(online, 'offline_m', { at: north(100), interests: ['tea', 'maps'] });
    const offline = encounters({ TWILIO_API_BASE_URL: closed }, uri);
    await expect(match(offline.app, 'offline', 1)).rejects.toThrow(/Twilio unreachable/);
    await match(online.app, 'offline', 1, 2);
    expect(sentTo(phone)).toHaveLength(1);
  });

  it.each([
    ['21211 (invalid number)', 21211, 'invalid'],
    ['21614 (not a mobile number)', 21614, 'invalid'],
    ['21610 (unsubscribed)', 21610, 'opted_out'],
  ])(
    'stops texting a phone after %s, and keeps matching in the app',
    async (_label, code, status) => {
      const env = encounters({ ENCOUNTER_MAX_MATCHES: '1' });
      const username = `perm_${code}`;
      const phone = await createUser(env, username, { interests: ['tea', 'maps'] });
      await createUser(env, `${username}_a`, { at: north(100), interests: ['tea', 'maps'] });
      await createUser(env, `${username}_b`, { at: north(200), interests: ['tea', 'maps'] });
      twilio.failNext(phone, { status: 400, code, times: 5 });
      await match(env.app, username, 1);
      expect((await (await env.users()).findOne({ username }))?.phoneStatus).toBe(status);
      const pushes = await match(env.app, username, 2);
      expect(pushes.map((m) => m.target)).toEqual(['encounterMatch', 'encounterMatched']);
      expect(sentTo(phone)).toHaveLength(0);
      expect((await recent(env)).map((row) => row.sms)).toEqual(['skipped', 'failed']);
      // Twilio's error names the number; neither the logs nor the stored detail keep it.
      const digits = phone.replace(/\D/g, '');
      expect(env.app.logs.filter((line) => line.includes(digits))).toEqual([]);
      const client = new MongoClient(env.uri, { retryWrites: false });
      clients.push(client);
      const stored = await client.db().collection('notifications').find({}).toArray();
      const details = stored.map((n) => String(n.smsDetail ?? ''));
      expect(details.filter((d) => d.includes(digits))).toEqual([]);
      expect(details).toContainEqual(
        `Twilio 400 (${code}) to +${digits.slice(0, 2)}${'•'.repeat(digits.length - 4)}${digits.slice(-2)}`,
      );
    },
  );

  it('dead-letters a malformed message at once, with the reason and its body', async () => {
    const { app } = encounters();
    // Completes on the first delivery: retrying a message that can never be read only delays it.
    await app.queue('encounterMatcher', { user: 'x' }, 1);
    const listed = await app.http('listDeadLetters', {
      path: 'deadletters?function=encounterMatcher&limit=500',
    });
    expect(listed.body).toContainEqual(
      expect.objectContaining({
        function: 'encounterMatcher',
        reason: expect.stringMatching(/^not an encounter job/),
        body: '{"user":"x"}',
        source: { queueMessageId: expect.any(String) },
      }),
    );
    expect(app.logs.some((line) => line.includes('dead-lettered encounter message'))).toBe(true);
  });

  it('lets a transient failure go back to the queue, saying why, on its way to encounters-poison', async () => {
    // MongoDB is unreachable: that can pass, so the host retries and finally moves the message.
    const { app } = encounters({
      MONGODB_URI: 'mongodb://127.0.0.1:9/down?serverSelectionTimeoutMS=200',
    });
    await expect(app.queue('encounterMatcher', { username: 'x', window: 1 }, 5)).rejects.toThrow();
    expect(
      app.logs.some((line) =>
        /dequeue count 5.*it is retried, then moved to encounters-poison/.test(line),
      ),
    ).toBe(true);
  });
});

describe('the Twilio inbound webhook', () => {
  const url = 'https://fl-dev-func.azurewebsites.net/api/twilio/inbound';
  const inbound = (app: TestFunctionApp, params: Record<string, string>, signature?: string) =>
    app.http('twilioInbound', {
      method: 'POST',
      path: 'twilio/inbound',
      url,
      body: new URLSearchParams(params).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
      },
    });

  it('refuses unsigned and mis-signed requests with 403', async () => {
    const env = encounters();
    const phone = await createUser(env, 'webhook_a', { interests: ['a', 'b'] });
    const params = { From: phone, Body: 'STOP', MessageSid: 'SM1', AccountSid: accountSid };
    expect(await inbound(env.app, params)).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    const wrongKey = getExpectedTwilioSignature('another-token', url, params);
    expect((await inbound(env.app, params, wrongKey)).status).toBe(403);
    const otherUrl = getExpectedTwilioSignature(authToken, `${url}?x=1`, params);
    expect((await inbound(env.app, params, otherUrl)).status).toBe(403);
    const tampered = getExpectedTwilioSignature(authToken, url, params);
    expect((await inbound(env.app, { ...params, Body: 'START' }, tampered)).status).toBe(403);
    expect((await (await env.users()).findOne({ username: 'webhook_a' }))?.phoneStatus).toBe('ok');
  });

  it('opts a number out on STOP and back in on START', async () => {
    const env = encounters();
    const phone = await createUser(env, 'webhook_b', { interests: ['a', 'b'] });
    await createUser(env, 'webhook_b_m', { at: north(100), interests: ['a', 'b'] });
    const stop = { From: phone, Body: ' stop ', MessageSid: 'SM2', AccountSid: accountSid };
    const stopped = await inbound(env.app, stop, getExpectedTwilioSignature(authToken, url, stop));
    expect(stopped.status).toBe(200);
    expect(stopped.text).toContain('<Response></Response>');
    await match(env.app, 'webhook_b', 1);
    expect(sentTo(phone)).toHaveLength(0);

    const start = { From: phone, Body: 'START', MessageSid: 'SM3', AccountSid: accountSid };
    expect(
      (await inbound(env.app, start, getExpectedTwilioSignature(authToken, url, start))).status,
    ).toBe(200);
    await createUser(env, 'webhook_b_n', { at: north(150), interests: ['a', 'b'] });
    await match(env.app, 'webhook_b', 2);
    expect(sentTo(phone).map((sms) => sms.body)).toEqual([
      "WEBHOOK_B, we've found matches for you: @webhook_b_n!",
    ]);
  });
});

describe('opt-out per phone number', () => {
  it('keeps a number that sent STOP opted out whichever user lists it', async () => {
    const env = encounters();
    const url = 'https://fl-dev-func.azurewebsites.net/api/twilio/inbound';
    const shared = nextPhone();
    await createUser(env, 'first_owner', { interests: ['a', 'b'], phone: shared });
    const stop = { From: shared, Body: 'STOP', MessageSid: 'SM9', AccountSid: accountSid };
    const answer = await env.app.http('twilioInbound', {
      method: 'POST',
      path: 'twilio/inbound',
      url,
      body: new URLSearchParams(stop).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': getExpectedTwilioSignature(authToken, url, stop),
      },
    });
    expect(answer.status).toBe(200);
    // Another user lists the same number later: a new profile starts with a clean status, but
    // the number itself stays opted out.
    await createUser(env, 'second_owner', { interests: ['a', 'b'], phone: shared });
    await createUser(env, 'second_owner_m', { at: north(100), interests: ['a', 'b'] });
    await match(env.app, 'second_owner', 1);
    expect(sentTo(shared)).toHaveLength(0);
    expect((await recent(env)).map((row) => row.sms)).toEqual(['skipped']);
  });

  it('checks Twilio signatures against TWILIO_WEBHOOK_URL when a proxy changes the URL', async () => {
    const publicUrl = 'https://api.example.com/api/twilio/inbound';
    const env = encounters({ TWILIO_WEBHOOK_URL: publicUrl });
    const phone = await createUser(env, 'proxied', { interests: ['a', 'b'] });
    const stop = { From: phone, Body: 'STOP', MessageSid: 'SM8', AccountSid: accountSid };
    const send = (signedUrl: string) =>
      env.app.http('twilioInbound', {
        method: 'POST',
        path: 'twilio/inbound',
        // What the app sees behind the proxy.
        url: 'http://10.0.0.4:7071/api/twilio/inbound',
        body: new URLSearchParams(stop).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': getExpectedTwilioSignature(authToken, signedUrl, stop),
        },
      });
    expect((await send('http://10.0.0.4:7071/api/twilio/inbound')).status).toBe(403);
    expect((await send(publicUrl)).status).toBe(200);
  });
});

describe('SMS_MODE=outbox', () => {
  it('keeps SMS in the outbox table, which Fleet.Admin lists; twilio mode has no outbox', async () => {
    const env = encounters({ SMS_MODE: 'outbox' });
    const phone = await createUser(env, 'boxed', { interests: ['a', 'b'] });
    await createUser(env, 'boxed_m', { at: north(100), interests: ['a', 'b'] });
    const before = twilio.sent.length;
    await match(env.app, 'boxed', 1);
    expect(twilio.sent).toHaveLength(before);
    const reader = { ...testOperator, roles: new Set(['Fleet.Read']) };
    expect((await env.app.http('smsOutbox', { path: 'sms/outbox', caller: reader })).status).toBe(
      403,
    );
    const outbox = await env.app.http('smsOutbox', { path: 'sms/outbox' });
    expect(outbox.status).toBe(200);
    expect(outbox.body).toContainEqual(
      expect.objectContaining({
        to: phone,
        username: 'boxed',
        body: "BOXED, we've found matches for you: @boxed_m!",
      }),
    );
    // Even with the texts in the outbox, the dashboard's feed names nobody.
    expect(await recent(env)).toEqual([{ time: expect.any(String), matches: 1, sms: 'outbox' }]);
    const none = await encounters().app.http('smsOutbox', { path: 'sms/outbox' });
    expect(none).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});
