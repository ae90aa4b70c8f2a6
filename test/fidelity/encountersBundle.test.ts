import { type RunningSignalR, startSignalRServer } from '@fieldline/signalr-emulator';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  localAudience,
  localClients,
  type RunningLocalIdentity,
  startLocalIdentity,
} from '../../dev/localIdentity';
import { clientToken } from '../../tools/tokens';
import { useAzurite } from '../support/azuriteFixture';
import {
  type BuiltFunctionApp,
  invokeBuilt,
  loadBuiltFunctionApp,
  triggerOf,
} from '../support/builtFunctionApp';
import { listenToHub } from '../support/hubListener';
import { useMongo } from '../support/mongoFixture';
import { startTwilioApi, type TwilioApiStandIn } from '../support/twilioApi';
import { hostHttpRequest, hostQueueRequest } from '../support/workerPayloads';

const azurite = useAzurite();
const database = useMongo();
const authToken = 'bundle-test-token';

/**
 * The encounter functions as Azure would run them: the built bundle, whose lazily loaded MongoDB
 * driver and Twilio chunks must work as bundled ES modules, not only from source.
 */
describe('encounters through the built bundle', () => {
  let app: BuiltFunctionApp;
  let twilio: TwilioApiStandIn;
  let issuer: RunningLocalIdentity;
  let signalR: RunningSignalR;
  let manager: string;
  beforeAll(async () => {
    twilio = await startTwilioApi();
    issuer = await startLocalIdentity({ clients: localClients() });
    signalR = await startSignalRServer(0);
    // A back end acting for its users, as the bundle validates it.
    manager = await clientToken(issuer.identity, 'Users.Manage');
    app = await loadBuiltFunctionApp({
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: localAudience,
      AzureSignalRConnectionString: signalR.connectionString,
      DataStorage: azurite().connectionString,
      MONGODB_URI: database(),
      SMS_MODE: 'twilio',
      TWILIO_ACCOUNT_SID: `AC${'cd34'.repeat(8)}`,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_FROM: '+15005550006',
      TWILIO_API_BASE_URL: twilio.baseUrl,
    });
  });
  afterAll(async () => {
    await app?.cleanup();
    await twilio?.stop();
    await issuer?.stop();
    await signalR?.stop();
  });

  const http = (name: string, request: Parameters<typeof hostHttpRequest>[1]) =>
    invokeBuilt(app, name, hostHttpRequest(triggerOf(app.find(name)).name as string, request));
  const put = (name: string, username: string, path: string, body: unknown) =>
    http(name, {
      method: 'PUT',
      url: `https://fl.azurewebsites.net/api/users/${username}${path}`,
      params: { username },
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${manager}` },
    });

  it('stores users, matches with the bundled driver, and texts through the bundled SDK', async () => {
    for (const [username, lat] of [
      ['zed', 48.85],
      ['yan', 48.851],
    ] as const) {
      const phone = username === 'zed' ? '+33612345678' : '+33612345679';
      expect(
        (await put('putUser', username, '', { screenName: username, phone, interests: ['a', 'b'] }))
          .http?.status,
      ).toBe(200);
      expect(
        (await put('putUserLocation', username, '/location', { lat, lng: 2.35 })).http?.status,
      ).toBe(200);
      expect(
        (await put('putUserEncounter', username, '/encounter', { enabled: true })).http?.status,
      ).toBe(200);
      // The phone is theirs: the code Twilio delivered comes back.
      const post = (path: string, body: unknown) =>
        http(path.endsWith('verify') ? 'verifyPhone' : 'startPhoneVerification', {
          method: 'POST',
          url: `https://fl.azurewebsites.net/api/users/${username}${path}`,
          params: { username },
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${manager}` },
        });
      expect((await post('/phone/verification', {})).http?.status).toBe(200);
      const code = /code is (\d{6})/.exec(twilio.sent.at(-1)?.body ?? '')?.[1];
      expect((await post('/phone/verify', { code })).http?.status).toBe(200);
    }
    twilio.sent.splice(0);
    const zedApp = await listenToHub(signalR, 'users', ['encounterMatch'], 'zed');
    const dashboard = await listenToHub(signalR, 'telemetry', ['encounterMatched']);
    const text = JSON.stringify({ username: 'zed', window: 42 });
    await invokeBuilt(
      app,
      'encounterMatcher',
      hostQueueRequest(triggerOf(app.find('encounterMatcher')).name as string, {
        text,
        messageId: 'm1',
        dequeueCount: 1,
        insertedOn: new Date(),
        expiresOn: new Date(),
        nextVisibleOn: new Date(),
        popReceipt: 'p',
      }),
    );
    expect(twilio.sent).toEqual([
      expect.objectContaining({
        to: '+33612345678',
        body: "zed, we've found matches for you: @yan!",
      }),
    ]);
    // One send per hub: the user's own message, and a nameless count for dashboards.
    await Promise.all([zedApp.waitFor(1), dashboard.waitFor(1)]);
    await Promise.all([zedApp.stop(), dashboard.stop()]);
    expect(zedApp.received).toMatchObject([
      { target: 'encounterMatch', arguments: [{ window: 42, matches: [{ username: 'yan' }] }] },
    ]);
    expect(dashboard.received).toEqual([
      { target: 'encounterMatched', arguments: [[{ matches: 1, sms: 'sent' }]] },
    ]);
  });

  it('checks X-Twilio-Signature with the bundled SDK', async () => {
    const url = 'https://fl.azurewebsites.net/api/twilio/inbound';
    const params = { From: '+33612345679', Body: 'STOP' };
    const inbound = (signature: string) =>
      http('twilioInbound', {
        method: 'POST',
        url,
        body: new URLSearchParams(params).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signature,
        },
      });
    expect((await inbound('bm90LWEtc2lnbmF0dXJl')).http?.status).toBe(403);
    const signed = await inbound(getExpectedTwilioSignature(authToken, url, params));
    expect(signed.http).toMatchObject({ status: 200, text: expect.stringContaining('<Response>') });
  });
});
