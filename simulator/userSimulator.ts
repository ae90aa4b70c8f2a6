import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit } from './simulatedDevices';

export interface UserSimulationOptions {
  /** The function app's API, e.g. http://127.0.0.1:7071/api. */
  readonly apiBaseUrl: string;
  /** A bearer token with Users.Manage: the simulation is a back end acting for its users. */
  readonly accessToken: () => Promise<string>;
  readonly users: number;
  /** The latest verification code sent to a phone, where the stage keeps SMS (see `outboxCodeReader`). */
  readonly readCode: (phone: string) => Promise<string | undefined>;
  /** Locations are re-sent this often so that they stay fresh for the scheduler. */
  readonly moveEveryMs?: number;
  readonly signal?: AbortSignal;
  readonly random?: () => number;
  readonly log?: (line: string) => void;
}

const interestPool = [
  'climbing',
  'jazz',
  'chess',
  'cycling',
  'baking',
  'films',
  'running',
  'poetry',
];
// Cambridge (UK) market square; users wander within about 600 m of it.
const center = { lat: 52.2053, lng: 0.1218 };
const metresPerDegreeLat = 111_320;

/** Person `i` of a simulation: a handle, a phone number and three to five interests from the pool. */
export function simulatedPerson(i: number, random: () => number) {
  const count = 3 + Math.floor(random() * 3);
  const interests = [...interestPool].sort(() => random() - 0.5).slice(0, count);
  const n = String(i + 1).padStart(3, '0');
  return {
    username: `walker_${n}`,
    screenName: `Walker ${n}`,
    phone: `+1555010${n.padStart(4, '0')}`,
    interests,
  };
}

/** A point at most `radiusMeters` from the simulation's centre, uniformly in bearing. */
export function nearCenter(
  random: () => number,
  radiusMeters: number,
): { lat: number; lng: number } {
  const distance = random() * radiusMeters;
  const bearing = random() * 2 * Math.PI;
  return {
    lat: center.lat + (distance * Math.cos(bearing)) / metresPerDegreeLat,
    lng:
      center.lng +
      (distance * Math.sin(bearing)) /
        (metresPerDegreeLat * Math.cos((center.lat * Math.PI) / 180)),
  };
}

/**
 * Creates people through the users API, each with three to five interests from a small pool and
 * a location near one spot, opted in with a 1 km radius, and then keeps them walking about.
 * Returns when the signal aborts (or at once when `moveEveryMs` is 0).
 */
export async function simulateUsers(options: UserSimulationOptions): Promise<{ created: number }> {
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => undefined);
  const send = async (method: 'PUT' | 'POST', path: string, body: unknown) => {
    const response = await fetch(`${options.apiBaseUrl}/${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await options.accessToken()}`,
      },
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`${method} /api/${path} failed: ${response.status} ${await response.text()}`);
  };
  const put = (path: string, body: unknown) => send('PUT', path, body);
  const post = (path: string, body: unknown) => send('POST', path, body);
  // A phone gets match SMS once its code came back: ask for one, read it where it went, send it.
  const verify = async (username: string, phone: string) => {
    await post(`users/${username}/phone/verification`, {});
    const deadline = Date.now() + 10_000;
    for (;;) {
      const code = await options.readCode(phone);
      if (code) return post(`users/${username}/phone/verify`, { code });
      if (Date.now() > deadline) throw new Error(`no verification code reached ${phone}`);
      await sleep(100);
    }
  };
  const place = () => nearCenter(random, 600);
  const people = Array.from({ length: options.users }, (_, i) => simulatedPerson(i, random));
  await mapLimit(people, 8, async (person) => {
    const { username, ...profile } = person;
    await put(`users/${username}`, profile);
    await verify(username, profile.phone);
    await put(`users/${username}/location`, place());
    await put(`users/${username}/encounter`, { enabled: true, radiusMeters: 1000 });
  });
  log(`created ${people.length} users near ${center.lat}, ${center.lng}, opted in to encounters`);
  const moveEveryMs = options.moveEveryMs ?? 60_000;
  while (moveEveryMs > 0 && !options.signal?.aborted) {
    await sleep(moveEveryMs, undefined, options.signal ? { signal: options.signal } : {}).catch(
      () => undefined,
    );
    if (options.signal?.aborted) break;
    await mapLimit(people, 8, (person) => put(`users/${person.username}/location`, place())).catch(
      (error: unknown) => log(`moving users failed: ${String(error)}`),
    );
  }
  return { created: people.length };
}

/**
 * Reads verification codes from the local SMS outbox (`GET /api/sms/outbox`, Fleet.Admin): the
 * newest code sent to `phone`.
 */
export function outboxCodeReader(
  apiBaseUrl: string,
  adminToken: () => Promise<string>,
): (phone: string) => Promise<string | undefined> {
  return async (phone) => {
    const response = await fetch(`${apiBaseUrl}/sms/outbox?limit=1000`, {
      headers: { authorization: `Bearer ${await adminToken()}` },
    });
    if (!response.ok) return undefined;
    const entries = (await response.json()) as { to: string; body: string; createdAt: string }[];
    const codes = entries
      .filter((entry) => entry.to === phone)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map((entry) => /code is (\d{6})/.exec(entry.body)?.[1])
      .filter((code): code is string => code !== undefined);
    return codes[0];
  };
}
