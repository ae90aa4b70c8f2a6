import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { readJsonBody } from '../host/http';
import type { EnrollmentGroupChange, EnrollmentGroups } from './enrollmentGroups';

/** DPS's rule for an enrollment group id: up to 128 letters, digits, `-`, `.`, `_` and `:`. */
const groupIdPattern = /^[a-z0-9][a-z0-9._:-]{0,127}$/i;
const groupIdRule =
  'an enrollment group id is 1 to 128 letters, digits, "-", ".", "_" or ":", starting with a letter or digit';

/**
 * The stage's enrollment groups, the way a fleet provisions itself: `PUT`, `GET` and `DELETE`
 * `/api/enrollment-groups/{id}`, and `POST …/regenerate-key` for a rotation, all Fleet.Admin,
 * since a group's key lets any device join. Keys are in an answer only when made: both at
 * creation, or the one a rotation regenerates.
 */
export function createEnrollmentGroupsFunctions(deps: {
  readonly groups?: EnrollmentGroups;
  readonly notConfigured: () => AppError;
}): HttpFunctionDefinition[] {
  const groups = () => {
    if (!deps.groups) throw deps.notConfigured();
    return deps.groups;
  };
  const groupId = (id: string | undefined) => {
    if (!id || !groupIdPattern.test(id)) throw new AppError('validation_failed', groupIdRule);
    return id;
  };
  const route = 'enrollment-groups/{id}';
  const admin = { kind: 'roles', anyOf: ['Fleet.Admin'] } as const;
  return [
    {
      kind: 'http',
      name: 'putEnrollmentGroup',
      route,
      methods: ['PUT'],
      access: admin,
      // The initial twin is a twin's tags and desired properties: 32 KB at most in IoT Hub.
      maxBodyBytes: 32 * 1024,
      handler: async (request) => {
        const id = groupId(request.params.id);
        const change = readChange(await readJsonBody(request));
        const { created, group, keys } = await groups().put(id, change);
        return created
          ? { status: 201, jsonBody: { ...group, keys } }
          : { status: 200, jsonBody: group };
      },
    },
    {
      kind: 'http',
      name: 'getEnrollmentGroup',
      route,
      methods: ['GET'],
      access: admin,
      handler: async (request) => ({ jsonBody: await groups().get(groupId(request.params.id)) }),
    },
    {
      kind: 'http',
      name: 'regenerateEnrollmentGroupKey',
      route: 'enrollment-groups/{id}/regenerate-key',
      methods: ['POST'],
      access: admin,
      maxBodyBytes: 1024,
      handler: async (request) => {
        const id = groupId(request.params.id);
        const body = await readJsonBody(request);
        const key = isObject(body) ? body.key : undefined;
        if (key !== 'primary' && key !== 'secondary')
          throw new AppError(
            'validation_failed',
            'send {"key": "primary"} or {"key": "secondary"}',
          );
        const { group, keys } = await groups().regenerateKey(id, key);
        return { jsonBody: { ...group, keys } };
      },
    },
    {
      kind: 'http',
      name: 'deleteEnrollmentGroup',
      route,
      methods: ['DELETE'],
      access: admin,
      handler: async (request) => {
        await groups().delete(groupId(request.params.id));
        return { status: 204 };
      },
    },
  ];
}

/** `{ enabled?, initialTwin?: { tags?, desired? }, reprovision?: { updateHubAssignment?, migrateDeviceData? } }`. */
function readChange(body: unknown): EnrollmentGroupChange {
  const shape =
    'send {"enabled"?: boolean, "initialTwin"?: {"tags"?: {}, "desired"?: {}}, "reprovision"?: {"updateHubAssignment"?: boolean, "migrateDeviceData"?: boolean}, "keys"?: {"primaryKey"?, "secondaryKey"?} (a creation only)}';
  if (!isObject(body)) throw new AppError('validation_failed', shape);
  const known = new Set(['enabled', 'initialTwin', 'reprovision', 'keys']);
  const unknown = Object.keys(body).filter((name) => !known.has(name));
  if (unknown.length > 0)
    throw new AppError('validation_failed', `unknown field ${unknown.join(', ')}; ${shape}`);
  const { enabled = true, initialTwin = {}, reprovision = {} } = body;
  if (typeof enabled !== 'boolean')
    throw new AppError('validation_failed', 'enabled must be true or false');
  if (!isObject(initialTwin))
    throw new AppError('validation_failed', 'initialTwin must be {"tags"?: {}, "desired"?: {}}');
  const { tags = {}, desired = {} } = initialTwin;
  if (!isObject(tags))
    throw new AppError('validation_failed', 'initialTwin.tags must be an object');
  if (!isObject(desired))
    throw new AppError('validation_failed', 'initialTwin.desired must be an object');
  if (Object.keys(desired).some((name) => name.startsWith('$')))
    throw new AppError('validation_failed', 'initialTwin.desired may not name a $ property');
  if (!isObject(reprovision))
    throw new AppError('validation_failed', 'reprovision must be an object');
  const { updateHubAssignment = true, migrateDeviceData = true } = reprovision;
  if (typeof updateHubAssignment !== 'boolean' || typeof migrateDeviceData !== 'boolean')
    throw new AppError(
      'validation_failed',
      'reprovision.updateHubAssignment and reprovision.migrateDeviceData must be true or false',
    );
  const keys = readKeys(body.keys);
  return {
    ...(keys ? { keys } : {}),
    enabled,
    initialTwin: { tags, desired },
    reprovision: { updateHubAssignment, migrateDeviceData },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys given for a creation: base64 of 16 to 64 bytes, as DPS takes a symmetric key of your own. */
function readKeys(value: unknown): EnrollmentGroupChange['keys'] {
  if (value === undefined) return undefined;
  if (
    !isObject(value) ||
    Object.keys(value).some((k) => k !== 'primaryKey' && k !== 'secondaryKey')
  )
    throw new AppError('validation_failed', 'keys must be {"primaryKey"?, "secondaryKey"?}');
  for (const [name, key] of Object.entries(value)) {
    const bytes =
      typeof key === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(key)
        ? Buffer.from(key, 'base64').length
        : 0;
    if (bytes < 16 || bytes > 64)
      throw new AppError('validation_failed', `keys.${name} must be base64 of 16 to 64 bytes`);
  }
  return value as EnrollmentGroupChange['keys'];
}
