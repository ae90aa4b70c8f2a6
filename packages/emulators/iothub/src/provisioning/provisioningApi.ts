import type http from 'node:http';
import { readBody, sendJson } from '@fieldline/emulator-kit';
import type { Authorizer, PolicyRight } from '../handlers/authorization';
import { parseSasToken } from '../protocol/sharedAccessSignature';
import { EnrollmentError, type EnrollmentStore, registrationIdPattern } from './enrollmentStore';
import {
  type ProvisioningAnswer,
  type ProvisioningService,
  provisioningError,
  retryAfterSeconds,
} from './provisioningService';

/** `PUT /{idScope}/registrations/{id}/register` and `GET …/operations/{operationId}`. */
const devicePath = /^\/([^/]+)\/registrations\/([^/]+)\/(register|operations\/([^/]+))$/;
/** The service API: `/enrollmentGroups/{id}`, `/enrollments/{id}`, `/registrations/{id}`. */
const servicePath = /^\/(enrollmentGroups|enrollments|registrations)\/([^/]+)$/i;
const maxBodyBytes = 64 * 1024;

export interface ProvisioningRouteDeps {
  readonly hostName: string;
  readonly service: ProvisioningService;
  readonly enrollments: EnrollmentStore;
  /** Checks the DPS shared access policies' tokens, as the hub's authorizer checks its own. */
  readonly authorizer: Authorizer;
}

/** Whether a request is for DPS, which shares the hub's HTTPS door (its paths never overlap). */
export function isProvisioningPath(pathname: string): boolean {
  return devicePath.test(pathname) || servicePath.test(pathname);
}

/** Serves DPS's device registration and service APIs over HTTP(S). */
export async function handleProvisioningRequest(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  pathname: string,
  deps: ProvisioningRouteDeps,
): Promise<void> {
  const send = (answer: ProvisioningAnswer, headers: Record<string, string> = {}) =>
    sendJson(response, answer.status, answer.body, headers);
  const token = parseSasToken(request.headers.authorization);
  const device = devicePath.exec(pathname);
  if (device) {
    const [, scope = '', encodedId = '', action = '', operation] = device;
    if (scope !== deps.service.idScope)
      return send(provisioningError(404, `no ID scope ${decodeURIComponent(scope).slice(0, 40)}`));
    const registrationId = decodeURIComponent(encodedId);
    if (action === 'register' && request.method === 'PUT') {
      const body = parseJson(await readBody(request, maxBodyBytes));
      if (body === invalid) return send(provisioningError(400, 'the body must be JSON'));
      const answer = await deps.service.register(registrationId, token, body);
      return send(answer, { 'retry-after': String(retryAfterSeconds) });
    }
    if (operation && request.method === 'GET') {
      const answer = deps.service.status(registrationId, decodeURIComponent(operation), token);
      return send(answer, { 'retry-after': String(retryAfterSeconds) });
    }
    return send(provisioningError(405, `${request.method} is not supported here`));
  }
  const [, collection = '', encodedId = ''] = servicePath.exec(pathname) ?? [];
  const id = decodeURIComponent(encodedId);
  const kind = collection.toLowerCase();
  const right: PolicyRight =
    kind === 'registrations'
      ? request.method === 'GET'
        ? 'RegistrationStatusRead'
        : 'RegistrationStatusWrite'
      : request.method === 'GET'
        ? 'EnrollmentRead'
        : 'EnrollmentWrite';
  const denied = deps.authorizer.policy(token, right, `${deps.hostName}/${kind}/${id}`);
  if (denied) return send(provisioningError(401, denied.message));
  if (!registrationIdPattern.test(id))
    return send(provisioningError(400, `"${id.slice(0, 80)}" is not a valid id`));
  const ifMatch = request.headers['if-match'];
  try {
    const found = await serviceCall(request, kind, id, ifMatch, deps.enrollments);
    if (found === undefined)
      return send(provisioningError(404, `no ${kind.replace(/s$/, '')} ${id}`));
    if (found === null) {
      response.writeHead(204).end();
      return;
    }
    return sendJson(response, 200, found);
  } catch (error) {
    if (error instanceof EnrollmentError)
      return send(provisioningError(error.status, error.message));
    throw error;
  }
}

/** The stored item (`undefined` if there is none), or `null` once deleted. */
async function serviceCall(
  request: http.IncomingMessage,
  kind: string,
  id: string,
  ifMatch: string | undefined,
  enrollments: EnrollmentStore,
): Promise<unknown> {
  switch (`${request.method} ${kind}`) {
    case 'GET enrollmentgroups':
      return enrollments.group(id);
    case 'GET enrollments':
      return enrollments.individual(id);
    case 'GET registrations':
      return enrollments.registration(id);
    case 'PUT enrollmentgroups':
    case 'PUT enrollments': {
      const body = parseJson(await readBody(request, maxBodyBytes));
      if (body === invalid) throw new EnrollmentError(400, 'BadRequest', 'the body must be JSON');
      return kind === 'enrollments'
        ? enrollments.putIndividual(id, body, ifMatch)
        : enrollments.putGroup(id, body, ifMatch);
    }
    case 'DELETE enrollmentgroups':
      return enrollments.deleteGroup(id, ifMatch) ?? null;
    case 'DELETE enrollments':
      return enrollments.deleteIndividual(id, ifMatch) ?? null;
    case 'DELETE registrations':
      return enrollments.deleteRegistration(id, ifMatch) ?? null;
    default:
      throw new EnrollmentError(400, 'BadRequest', `${request.method} is not supported on ${kind}`);
  }
}

const invalid = Symbol('invalid JSON');

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return invalid;
  }
}
