import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import type { Caller } from '../identity/caller';
import { hasRole, ownerKey } from '../identity/caller';
import type { IssueClientAccess } from '../realtime/clientAccess';
import type { RealtimeDelivery } from '../realtime/realtimeDelivery';
import { settingNames } from '../settings/settingNames';
import type { DeadLetterStore } from '../storage/deadLetterStore';
import type { EncounterServices } from './encounterServices';
import { readUsername } from './encounterUser';

/** The request an HTTP function is handed, as the host's definitions type it. */
type HttpRequest = Parameters<HttpFunctionDefinition['handler']>[0];

export interface EncountersDeps {
  /** Loaded on first use, so that a cold start of the other functions does not read its code. */
  readonly encounters: (() => Promise<EncounterServices>) | undefined;
  readonly clientAccess: IssueClientAccess;
  readonly realtime: RealtimeDelivery;
  readonly deadLetters: DeadLetterStore;
  /** The feature's bad settings, when it is off because of them. */
  readonly problems?: readonly string[] | undefined;
}

/** How every encounters function reaches the feature, and acts for the route's user. */
export interface EncounterAccess {
  /** The feature's services, or a 503 naming the setting to fix. */
  feature(): Promise<EncounterServices>;
  /** Why the feature is off, naming the setting. */
  readonly unavailable: string;
  /** A function that acts as the route's user: the caller claimed the username, or holds Users.Manage. */
  asUser(
    name: string,
    route: string,
    method: 'GET' | 'PUT' | 'POST',
    handle: (
      services: EncounterServices,
      username: string,
      request: HttpRequest,
      caller: Caller,
    ) => Promise<unknown>,
  ): HttpFunctionDefinition;
}

export function createEncounterAccess(deps: EncountersDeps): EncounterAccess {
  const { encounters, problems } = deps;
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
  const asUser: EncounterAccess['asUser'] = (name, route, method, handle) => ({
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
  return { feature, unavailable, asUser };
}
