import { randomBytes } from 'node:crypto';
import { type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { type AppRole, dataPlaneVersions, sasToken } from '../../functions/src/hosting';
import { joinRoomsHub, type RoomMember } from '../../simulator/roomMember';
import { parseIotHubConnectionString } from '../iotHubConnectionString';

/** A deployed stage (or `npm start`) as its users reach it. */
export interface StageUnderTest {
  /** `https://<app>.azurewebsites.net/api`, or the local host's. */
  readonly apiBaseUrl: string;
  /** Where a device posts its messages over HTTPS: `https://<hub host name>`, or the local hub's REST door. */
  readonly deviceRestUrl: string;
  /** A bearer token for the API that carries `role`. */
  token(role: AppRole): Promise<string>;
  /** How long a reading may take to come back through ingestion. */
  readonly readbackTimeoutMs: number;
}

export interface CheckResult {
  readonly check: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

/** The roles the checks use, each for the calls that need it. */
export const verifyRoles: readonly AppRole[] = ['Fleet.Read', 'Fleet.Operate', 'Fleet.Admin'];

/**
 * Checks a stage end to end, as its users would: health details with an app-only token, a
 * temporary device that sends one reading with its SAS and reads it back through the API, that
 * reading's SignalR broadcast, a rooms round trip through SignalR's upstream, and one catalog
 * search. Then it removes the device it made. Each check is timed; one failing does not stop the
 * checks that do not depend on it, and the clean-up always runs.
 */
export async function checkStage(
  stage: StageUnderTest,
  onResult: (result: CheckResult) => void = () => undefined,
): Promise<CheckResult[]> {
  const { results, check, skip } = checkRunner(onResult);
  const { call, expectOk } = stageClient(stage);

  const deviceId = `verify-${randomBytes(4).toString('hex')}`;
  const temperature = Math.round((20 + Math.random() * 5) * 100) / 100;
  let dashboard: HubConnection | undefined;
  let member: RoomMember | undefined;
  let registered = false;
  try {
    await check('health details', async () => {
      const response = await call('Fleet.Read', '/health/details');
      const report = (await response.json().catch(() => ({}))) as { status?: string };
      if (response.status !== 200)
        throw new Error(
          `GET /api/health/details answered ${response.status}: ${JSON.stringify(report)}`,
        );
    });

    // Listening before the reading is sent, so its broadcast cannot be missed.
    let broadcast: Promise<void> | undefined;
    await check('signalr negotiate and connect', async () => {
      const reader = await stage.token('Fleet.Read');
      const connection = new HubConnectionBuilder()
        .withUrl(stage.apiBaseUrl, { accessTokenFactory: () => reader })
        .configureLogging(LogLevel.None)
        .build();
      const heard = new Promise<void>((resolve) => {
        connection.on(
          'deviceState',
          (updates: { deviceId: string; temperature: number | null }[]) => {
            if (updates.some((u) => u.deviceId === deviceId && u.temperature === temperature))
              resolve();
          },
        );
      });
      await connection.start();
      dashboard = connection;
      broadcast = heard;
    });

    const key = await check('register a temporary device', async () => {
      const response = await expectOk(
        await call('Fleet.Operate', '/devices', {
          method: 'POST',
          body: JSON.stringify({ deviceId }),
        }),
        'POST /api/devices',
      );
      registered = true;
      const device = (await response.json()) as { connectionString: string };
      return parseIotHubConnectionString(device.connectionString);
    });

    const sent = key
      ? await check('send a reading with the device SAS', async () => {
          const sas = sasToken({
            resourceUri: `${key.hostName}/devices/${deviceId}`,
            key: key.sharedAccessKey,
            expiresAt: Math.floor(Date.now() / 1000) + 600,
          });
          await expectOk(
            await fetch(
              `${stage.deviceRestUrl}/devices/${encodeURIComponent(deviceId)}/messages/events?api-version=${dataPlaneVersions.iotHub}`,
              {
                method: 'POST',
                headers: { authorization: sas, 'content-type': 'application/json' },
                body: JSON.stringify({ temperature }),
              },
            ),
            'the device endpoint',
          );
          return true;
        })
      : undefined;

    if (sent) {
      await check('read the reading back through the API', async () => {
        const deadline = Date.now() + stage.readbackTimeoutMs;
        for (;;) {
          const response = await call('Fleet.Read', `/devices/${encodeURIComponent(deviceId)}`);
          if (response.ok) {
            const state = (await response.json()) as { temperature: number | null; count: number };
            if (state.temperature === temperature) return;
          }
          if (Date.now() > deadline)
            throw new Error(
              `GET /api/devices/${deviceId} did not show temperature ${temperature} within ${stage.readbackTimeoutMs} ms (last answer ${response.status})`,
            );
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      });
      if (broadcast) {
        const heard = broadcast;
        await check('receive its SignalR broadcast', () =>
          withTimeout(heard, stage.readbackTimeoutMs, 'no deviceState broadcast named the device'),
        );
      } else skip('receive its SignalR broadcast', 'the SignalR connection failed');
    } else {
      skip('read the reading back through the API', 'no reading was sent');
      skip('receive its SignalR broadcast', 'no reading was sent');
    }

    await check('rooms round trip through the upstream', async () => {
      member = await joinRoomsHub(stage.apiBaseUrl, await stage.token('Fleet.Read'));
      const requestId = `verify-${randomBytes(6).toString('hex')}`;
      const created = await member.invoke<{ roomId: string }>('createRoom', {
        name: 'fieldline verify',
        requestId,
      });
      if (!created?.roomId) throw new Error(`createRoom answered ${JSON.stringify(created)}`);
      await member.invoke('leaveRoom', { roomId: created.roomId, requestId: `${requestId}-leave` });
    });

    await check('catalog search', async () => {
      const response = await expectOk(
        await call('Fleet.Read', '/catalog/search?q=verify&top=1'),
        'GET /api/catalog/search',
      );
      const body = (await response.json()) as { '@count'?: unknown; hits?: unknown };
      if (!Array.isArray(body.hits)) throw new Error(`the search answered ${JSON.stringify(body)}`);
    });
  } finally {
    await dashboard?.stop().catch(() => undefined);
    await member?.stop().catch(() => undefined);
    if (registered)
      await check('remove the temporary device', async () => {
        await expectOk(
          await call('Fleet.Admin', `/devices/${encodeURIComponent(deviceId)}`, {
            method: 'DELETE',
          }),
          `DELETE /api/devices/${deviceId}`,
        );
      });
  }
  return results;
}

function withTimeout(promise: Promise<void>, ms: number, message: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** One line per check: `pass`/`FAIL`, its name, the time, and the error where it failed. */
export function formatResult(result: CheckResult): string {
  const time = `${result.ms} ms`.padStart(9);
  return `${result.ok ? 'pass' : 'FAIL'}  ${result.check.padEnd(40)}${time}${result.error ? `  ${result.error}` : ''}`;
}

/** Runs named checks in turn, timing each and recording its outcome, whether it passed or not. */
function checkRunner(onResult: (result: CheckResult) => void) {
  const results: CheckResult[] = [];
  const record = (result: CheckResult) => {
    results.push(result);
    onResult(result);
  };
  async function check<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
    const started = performance.now();
    try {
      const value = await run();
      record({ check: name, ok: true, ms: Math.round(performance.now() - started) });
      return value;
    } catch (error) {
      record({
        check: name,
        ok: false,
        ms: Math.round(performance.now() - started),
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  }
  const skip = (name: string, because: string) =>
    record({ check: name, ok: false, ms: 0, error: `not run: ${because}` });
  return { results, check, skip };
}

/** The stage's API, called with a token for a role; `expectOk` names what answered and how. */
function stageClient(stage: StageUnderTest) {
  const call = (role: AppRole, path: string, init: RequestInit = {}) =>
    stage.token(role).then((token) =>
      fetch(`${stage.apiBaseUrl}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${token}`,
          ...(init.body ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
      }),
    );
  const expectOk = async (response: Response, what: string) => {
    if (!response.ok)
      throw new Error(
        `${what} answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
      );
    return response;
  };
  return { call, expectOk };
}
