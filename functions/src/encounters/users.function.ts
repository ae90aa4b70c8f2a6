import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { readJsonBody } from '../host/http';
import { hasRole, ownerKey } from '../identity/caller';
import { userHub } from '../realtime/hubs';
import type { EncounterAccess, EncountersDeps } from './encounterAccess';
import { publicUser } from './encounterResponses';
import { readEncounterSettings, readLocation, readProfile, readUsername } from './encounterUser';

/** The users API: profiles and owners, phone verification, location, encounter settings, matches, negotiate. */
export function createUsersFunctions(
  access: EncounterAccess,
  deps: Pick<EncountersDeps, 'clientAccess'>,
): HttpFunctionDefinition[] {
  const { feature, asUser } = access;
  const { clientAccess } = deps;
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
  ];
}
