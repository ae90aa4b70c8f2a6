import { describe, expect, it } from 'vitest';
import type { HttpFunctionDefinition } from '../../../functions/src/host/functionDefinition';
import type { Access } from '../../../functions/src/identity/access';
import { placeholderStorage } from '../../support/builtFunctionApp';
import { createTestFunctionApp, testUser } from '../../support/testFunctionApp';

/**
 * Who may call each HTTP function, written down once. It is compared with what the definitions
 * declare, so a new function cannot ship without a rule here, and a changed rule is a visible diff.
 * `public` functions are also listed, with their reasons, in the README.
 */
const accessTable: Record<string, string> = {
  negotiate: 'POST,GET roles:Fleet.Read',
  listDevices: 'GET roles:Fleet.Read',
  getDevice: 'GET roles:Fleet.Read',
  listRejections: 'GET roles:Fleet.Read',
  topProducts: 'GET roles:Fleet.Read',
  recentEncounters: 'GET roles:Fleet.Read',
  healthDetails: 'GET roles:Fleet.Read',
  listAlarmRules: 'GET roles:Fleet.Read',
  listAlarms: 'GET roles:Fleet.Read',
  getDeviceHistory: 'GET roles:Fleet.Read',
  exportDeviceHistory: 'GET roles:Fleet.Read',
  putCalibration: 'PUT roles:Fleet.Operate',
  putAlarmRule: 'PUT roles:Fleet.Operate',
  deleteAlarmRule: 'DELETE roles:Fleet.Operate',
  acknowledgeAlarm: 'POST roles:Fleet.Operate',
  putDeviceTags: 'PUT roles:Fleet.Operate',
  registerDevice: 'POST roles:Fleet.Operate',
  getDeviceTwin: 'GET roles:Fleet.Read',
  patchDeviceDesired: 'PATCH roles:Fleet.Operate',
  invokeDeviceCommand: 'POST roles:Fleet.Operate',
  listDeviceActivity: 'GET roles:Fleet.Read',
  createJob: 'POST roles:Fleet.Operate',
  putModel: 'PUT roles:Fleet.Admin',
  getModel: 'GET roles:Fleet.Read',
  listModels: 'GET roles:Fleet.Read',
  deleteModel: 'DELETE roles:Fleet.Admin',
  getModelUsage: 'GET roles:Fleet.Read',
  putEnrollmentGroup: 'PUT roles:Fleet.Admin',
  getEnrollmentGroup: 'GET roles:Fleet.Admin',
  regenerateEnrollmentGroupKey: 'POST roles:Fleet.Admin',
  deleteEnrollmentGroup: 'DELETE roles:Fleet.Admin',
  getJob: 'GET roles:Fleet.Read',
  cancelJob: 'POST roles:Fleet.Operate',
  pullMessages: 'GET roles:Fleet.Admin',
  removeDevice: 'DELETE roles:Fleet.Admin',
  getDeviceConnectionString: 'GET roles:Fleet.Admin',
  listDeadLetters: 'GET roles:Fleet.Admin',
  smsOutbox: 'GET roles:Fleet.Admin',
  putUser: 'PUT user',
  putUserOwner: 'PUT roles:Users.Manage',
  startPhoneVerification: 'POST user',
  verifyPhone: 'POST user',
  putUserLocation: 'PUT user',
  putUserEncounter: 'PUT user',
  getUserMatches: 'GET user',
  userNegotiate: 'POST user',
  roomsNegotiate: 'POST signedIn',
  listRooms: 'GET signedIn',
  getRoom: 'GET signedIn',
  putTrack: 'PUT roles:Catalog.Manage',
  deleteTrack: 'DELETE roles:Catalog.Manage',
  searchCatalog: 'GET signedIn',
  suggestTracks: 'GET signedIn',
  sendDeviceMessage: 'POST deviceSas',
  twilioInbound: 'POST twilioSignature',
  health: 'GET public',
};

const describeAccess = (access: Access) =>
  access.kind === 'roles' ? `roles:${access.anyOf.join('|')}` : access.kind;

const app = createTestFunctionApp(placeholderStorage);
const httpFunctions = app.definitions.filter((d): d is HttpFunctionDefinition => d.kind === 'http');

describe('the access table', () => {
  it('lists every HTTP function with the access its definition declares', () => {
    expect(
      Object.fromEntries(
        httpFunctions.map((d) => [d.name, `${d.methods.join(',')} ${describeAccess(d.access)}`]),
      ),
    ).toEqual(accessTable);
  });

  const tokenProtected = httpFunctions.filter(
    (d) => d.access.kind === 'roles' || d.access.kind === 'user' || d.access.kind === 'signedIn',
  );
  const call = (definition: HttpFunctionDefinition, caller: ReturnType<typeof testUser> | null) => {
    const path = definition.route.replace(/\{(\w+)\??\}/g, 'x');
    return app.http(definition.name, {
      method: definition.methods[0] as string,
      path,
      params: Object.fromEntries(
        [...definition.route.matchAll(/\{(\w+)\??\}/g)].map((m) => [m[1], 'x']),
      ),
      caller,
    });
  };

  it.each(tokenProtected.map((d) => [d.name, d] as const))(
    '%s answers a call without a token with 401',
    async (_name, definition) => {
      expect(await call(definition, null)).toMatchObject({
        status: 401,
        body: { error: { code: 'unauthorized' } },
      });
    },
  );

  it.each(tokenProtected.filter((d) => d.access.kind === 'roles').map((d) => [d.name, d] as const))(
    '%s answers a valid token without its role with 403',
    async (_name, definition) => {
      expect(await call(definition, testUser('someone'))).toMatchObject({
        status: 403,
        body: { error: { code: 'forbidden' } },
      });
    },
  );
});
