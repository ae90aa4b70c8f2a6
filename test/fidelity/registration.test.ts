import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionDefinitions } from '../../functions/src/functionDefinitions';
import { createServices } from '../../functions/src/services';
import { loadConfig } from '../../functions/src/settings/config';
import {
  type BuiltFunctionApp,
  loadBuiltFunctionApp,
  placeholderStorage,
  triggerOf,
} from '../support/builtFunctionApp';

// Shapes several functions share, spelled out once (as Azure must see them, not as the code builds them).
// No function has a SignalR output binding: realtime sends are best effort, from the handlers.
// SignalR Service's upstream reaches these through /runtime/webhooks/signalr, keyed by hub, category
// and event (the extension's function.json properties, through the generic trigger).
const roomsTrigger = (category: 'connections' | 'messages', event: string) => ({
  trigger: {
    type: 'signalRTrigger',
    direction: 'in',
    name: 'invocation',
    hubName: 'rooms',
    category,
    event,
    connectionStringSetting: 'AzureSignalRConnectionString',
  },
});

const iotHubBatchTrigger = (consumerGroup: string) => ({
  type: 'eventHubTrigger',
  direction: 'in',
  cardinality: 'many',
  consumerGroup,
  connection: 'IoTHubEventHub',
  eventHubName: '%IOTHUB_EVENTHUB_NAME%',
});

/**
 * What Azure must see, written down once. Every HTTP function is anonymous to the platform: the
 * guard every registration goes through enforces its declared access (see the access table test). A change on either side, in the code's definitions or
 * here, fails with the function and property named; a deliberate change updates this table.
 */
const contract: Record<
  string,
  {
    trigger: Record<string, unknown>;
    outputs?: Record<string, unknown>[];
    inputs?: Record<string, unknown>[];
    retry?: Record<string, unknown>;
  }
> = {
  ingestTelemetry: {
    trigger: iotHubBatchTrigger('ingest'),
    retry: { retryStrategy: 'exponentialBackoff', maxRetryCount: -1 },
  },
  negotiate: {
    trigger: {
      type: 'httpTrigger',
      direction: 'in',
      route: 'negotiate',
      methods: ['POST', 'GET'],
      authLevel: 'anonymous',
    },
  },
  listDevices: {
    trigger: { type: 'httpTrigger', route: 'devices', methods: ['GET'], authLevel: 'anonymous' },
  },
  getDevice: {
    trigger: {
      type: 'httpTrigger',
      route: 'devices/{id}',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  putCalibration: {
    trigger: {
      type: 'httpTrigger',
      route: 'devices/{id}/calibration',
      methods: ['PUT'],
      authLevel: 'anonymous',
    },
  },
  listRejections: {
    trigger: { type: 'httpTrigger', route: 'rejections', methods: ['GET'], authLevel: 'anonymous' },
  },
  registerDevice: {
    trigger: { type: 'httpTrigger', route: 'devices', methods: ['POST'], authLevel: 'anonymous' },
  },
  getDeviceTwin: {
    trigger: {
      type: 'httpTrigger',
      route: 'devices/{id}/twin',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  patchDeviceDesired: {
    trigger: {
      type: 'httpTrigger',
      route: 'devices/{id}/twin/desired',
      methods: ['PATCH'],
      authLevel: 'anonymous',
    },
  },
  invokeDeviceCommand: {
    trigger: {
      type: 'httpTrigger',
      route: 'devices/{id}/commands/{name}',
      methods: ['POST'],
      authLevel: 'anonymous',
    },
  },
  listDeviceActivity: {
    trigger: {
      type: 'httpTrigger',
      route: 'devices/{id}/activity',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  putModel: {
    trigger: {
      type: 'httpTrigger',
      route: 'models/{dtmi}',
      methods: ['PUT'],
      authLevel: 'anonymous',
    },
  },
  getModel: {
    trigger: {
      type: 'httpTrigger',
      route: 'models/{dtmi}',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  listModels: {
    trigger: {
      type: 'httpTrigger',
      route: 'models',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  deleteModel: {
    trigger: {
      type: 'httpTrigger',
      route: 'models/{dtmi}',
      methods: ['DELETE'],
      authLevel: 'anonymous',
    },
  },
  putEnrollmentGroup: {
    trigger: {
      type: 'httpTrigger',
      route: 'enrollment-groups/{id}',
      methods: ['PUT'],
      authLevel: 'anonymous',
    },
  },
  getEnrollmentGroup: {
    trigger: {
      type: 'httpTrigger',
      route: 'enrollment-groups/{id}',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  regenerateEnrollmentGroupKey: {
    trigger: {
      type: 'httpTrigger',
      route: 'enrollment-groups/{id}/regenerate-key',
      methods: ['POST'],
      authLevel: 'anonymous',
    },
  },
  deleteEnrollmentGroup: {
    trigger: {
      type: 'httpTrigger',
      route: 'enrollment-groups/{id}',
      methods: ['DELETE'],
      authLevel: 'anonymous',
    },
  },
  getModelUsage: {
    trigger: {
      type: 'httpTrigger',
      route: 'model-usage',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  createJob: {
    trigger: {
      type: 'httpTrigger',
      route: 'jobs',
      methods: ['POST'],
      authLevel: 'anonymous',
    },
  },
  getJob: {
    trigger: {
      type: 'httpTrigger',
      route: 'jobs/{jobId}',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  cancelJob: {
    trigger: {
      type: 'httpTrigger',
      route: 'jobs/{jobId}/cancel',
      methods: ['POST'],
      authLevel: 'anonymous',
    },
  },
  getDeviceConnectionString: {
    trigger: {
      type: 'httpTrigger',
      route: 'devices/{id}/connection-string',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  removeDevice: {
    trigger: {
      type: 'httpTrigger',
      route: 'devices/{id}',
      methods: ['DELETE'],
      authLevel: 'anonymous',
    },
  },
  sendDeviceMessage: {
    trigger: {
      type: 'httpTrigger',
      route: 'devices/{id}/messages',
      methods: ['POST'],
      authLevel: 'anonymous',
    },
  },
  pullMessages: {
    trigger: { type: 'httpTrigger', route: 'messages', methods: ['GET'], authLevel: 'anonymous' },
  },
  health: {
    trigger: { type: 'httpTrigger', route: 'health', methods: ['GET'], authLevel: 'anonymous' },
  },
  listDeadLetters: {
    trigger: {
      type: 'httpTrigger',
      route: 'deadletters',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  healthDetails: {
    trigger: {
      type: 'httpTrigger',
      route: 'health/details',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  analyticsEvents: {
    trigger: iotHubBatchTrigger('analytics'),
    retry: { retryStrategy: 'exponentialBackoff', maxRetryCount: -1 },
  },
  topProducts: {
    trigger: {
      type: 'httpTrigger',
      route: 'analytics/products',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  putUser: {
    trigger: {
      type: 'httpTrigger',
      route: 'users/{username}',
      methods: ['PUT'],
      authLevel: 'anonymous',
    },
  },
  startPhoneVerification: {
    trigger: {
      type: 'httpTrigger',
      route: 'users/{username}/phone/verification',
      methods: ['POST'],
      authLevel: 'anonymous',
    },
  },
  verifyPhone: {
    trigger: {
      type: 'httpTrigger',
      route: 'users/{username}/phone/verify',
      methods: ['POST'],
      authLevel: 'anonymous',
    },
  },
  putUserOwner: {
    trigger: {
      type: 'httpTrigger',
      route: 'users/{username}/owner',
      methods: ['PUT'],
      authLevel: 'anonymous',
    },
  },
  putUserLocation: {
    trigger: {
      type: 'httpTrigger',
      route: 'users/{username}/location',
      methods: ['PUT'],
      authLevel: 'anonymous',
    },
  },
  putUserEncounter: {
    trigger: {
      type: 'httpTrigger',
      route: 'users/{username}/encounter',
      methods: ['PUT'],
      authLevel: 'anonymous',
    },
  },
  getUserMatches: {
    trigger: {
      type: 'httpTrigger',
      route: 'users/{username}/matches',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  userNegotiate: {
    trigger: {
      type: 'httpTrigger',
      route: 'users/{username}/negotiate',
      methods: ['POST'],
      authLevel: 'anonymous',
    },
  },
  twilioInbound: {
    trigger: {
      type: 'httpTrigger',
      route: 'twilio/inbound',
      methods: ['POST'],
      authLevel: 'anonymous',
    },
  },
  smsOutbox: {
    trigger: { type: 'httpTrigger', route: 'sms/outbox', methods: ['GET'], authLevel: 'anonymous' },
  },
  recentEncounters: {
    trigger: {
      type: 'httpTrigger',
      route: 'encounters/recent',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  putAlarmRule: {
    trigger: {
      type: 'httpTrigger',
      route: 'alarm-rules/{ruleId}',
      methods: ['PUT'],
      authLevel: 'anonymous',
    },
  },
  listAlarmRules: {
    trigger: {
      type: 'httpTrigger',
      route: 'alarm-rules',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  deleteAlarmRule: {
    trigger: {
      type: 'httpTrigger',
      route: 'alarm-rules/{ruleId}',
      methods: ['DELETE'],
      authLevel: 'anonymous',
    },
  },
  listAlarms: {
    trigger: {
      type: 'httpTrigger',
      route: 'alarms',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  acknowledgeAlarm: {
    trigger: {
      type: 'httpTrigger',
      route: 'alarms/{alarmId}/ack',
      methods: ['POST'],
      authLevel: 'anonymous',
    },
  },
  putDeviceTags: {
    trigger: {
      type: 'httpTrigger',
      route: 'devices/{id}/tags',
      methods: ['PUT'],
      authLevel: 'anonymous',
    },
  },
  getDeviceHistory: {
    trigger: {
      type: 'httpTrigger',
      route: 'devices/{id}/history',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  exportDeviceHistory: {
    trigger: {
      type: 'httpTrigger',
      route: 'devices/{id}/history.csv',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  offlineAlarms: {
    trigger: { type: 'timerTrigger', direction: 'in', schedule: '30 * * * * *' },
  },
  retention: {
    trigger: { type: 'timerTrigger', direction: 'in', schedule: '0 15 3 * * *' },
  },
  encounterScheduler: {
    trigger: { type: 'timerTrigger', direction: 'in', schedule: '0 */1 * * * *' },
  },
  roomsNegotiate: {
    trigger: {
      type: 'httpTrigger',
      route: 'rooms/negotiate',
      methods: ['POST'],
      authLevel: 'anonymous',
    },
  },
  listRooms: {
    trigger: { type: 'httpTrigger', route: 'rooms', methods: ['GET'], authLevel: 'anonymous' },
  },
  getRoom: {
    trigger: {
      type: 'httpTrigger',
      route: 'rooms/{roomId}',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  putTrack: {
    trigger: {
      type: 'httpTrigger',
      route: 'catalog/{id}',
      methods: ['PUT'],
      authLevel: 'anonymous',
    },
  },
  deleteTrack: {
    trigger: {
      type: 'httpTrigger',
      route: 'catalog/{id}',
      methods: ['DELETE'],
      authLevel: 'anonymous',
    },
  },
  searchCatalog: {
    trigger: {
      type: 'httpTrigger',
      route: 'catalog/search',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  suggestTracks: {
    trigger: {
      type: 'httpTrigger',
      route: 'catalog/suggest',
      methods: ['GET'],
      authLevel: 'anonymous',
    },
  },
  roomsConnected: roomsTrigger('connections', 'connected'),
  roomsDisconnected: roomsTrigger('connections', 'disconnected'),
  rooms_createRoom: roomsTrigger('messages', 'createRoom'),
  rooms_joinRoom: roomsTrigger('messages', 'joinRoom'),
  rooms_leaveRoom: roomsTrigger('messages', 'leaveRoom'),
  rooms_addItem: roomsTrigger('messages', 'addItem'),
  rooms_vote: roomsTrigger('messages', 'vote'),
  rooms_removeItem: roomsTrigger('messages', 'removeItem'),
  rooms_setNowPlaying: roomsTrigger('messages', 'setNowPlaying'),
  rooms_stillHere: roomsTrigger('messages', 'stillHere'),
  alarmWebhook: {
    trigger: {
      type: 'queueTrigger',
      direction: 'in',
      queueName: 'alarmwebhook',
      connection: 'DataStorage',
    },
  },
  encounterMatcher: {
    trigger: {
      type: 'queueTrigger',
      direction: 'in',
      queueName: 'encounters',
      connection: 'DataStorage',
    },
  },
};

describe('the built bundle, as the Node.js worker loads it', () => {
  let app: BuiltFunctionApp;
  beforeAll(async () => {
    app = await loadBuiltFunctionApp({ DataStorage: placeholderStorage });
  });
  afterAll(() => app?.cleanup());

  it('registers every function definition, and only those', () => {
    const definitions = createFunctionDefinitions(
      createServices(loadConfig({ DataStorage: placeholderStorage })),
    );
    expect(app.registered.map((r) => r.metadata.name).sort()).toEqual(
      definitions.map((d) => d.name).sort(),
    );
    expect(
      Object.keys(contract).sort(),
      'every registered function is in the contract table',
    ).toEqual(definitions.map((d) => d.name).sort());
  });

  it.each(Object.entries(contract))(
    '%s registers the trigger, bindings and retry policy Azure expects',
    (name, expected) => {
      const registered = app.find(name);
      expect(triggerOf(registered), `${name}: trigger`).toMatchObject(expected.trigger);
      const others = Object.values(registered.metadata.bindings).filter(
        (b) => !b.type.endsWith('Trigger'),
      );
      const outputs = others.filter((b) => b.direction === 'out' && b.type !== 'http');
      const inputs = others.filter((b) => b.direction === 'in');
      expect(outputs, `${name}: output bindings`).toEqual(
        (expected.outputs ?? []).map((o) => expect.objectContaining(o)),
      );
      expect(inputs, `${name}: extra input bindings`).toEqual(
        (expected.inputs ?? []).map((i) => expect.objectContaining(i)),
      );
      if (expected.retry)
        expect(registered.metadata.retryOptions, `${name}: retry`).toMatchObject(expected.retry);
      else expect(registered.metadata.retryOptions, `${name}: retry`).toBeUndefined();
    },
  );

  it('ships host.json with an extension bundle that has every binding type used', () => {
    expect(app.hostJson.extensionBundle).toEqual({
      id: 'Microsoft.Azure.Functions.ExtensionBundle',
      version: '[4.*, 5.0.0)',
    });
    // Binding types in extension bundle 4.x that fieldline may use (Event Hubs, Storage, SignalR, timers, HTTP).
    const bundle4 = new Set([
      'httpTrigger',
      'http',
      'eventHubTrigger',
      'eventHub',
      'queueTrigger',
      'queue',
      'blobTrigger',
      'blob',
      'table',
      'timerTrigger',
      'signalR',
      'signalRConnectionInfo',
      'signalRTrigger',
    ]);
    const used = new Set(
      app.registered.flatMap((r) => Object.values(r.metadata.bindings).map((b) => b.type)),
    );
    expect(
      [...used].filter((type) => !bundle4.has(type)),
      'binding types missing from extension bundle 4.x',
    ).toEqual([]);
  });

  it('sets the Event Hubs, queue and checkpoint settings deliberately', () => {
    expect(app.hostJson.extensions.eventHubs).toEqual({
      maxEventBatchSize: 100,
      batchCheckpointFrequency: 1,
      prefetchCount: 300,
      initialOffsetOptions: { type: 'fromStart' },
    });
    expect(app.hostJson.extensions.queues).toMatchObject({
      batchSize: 16,
      newBatchThreshold: 8,
      maxDequeueCount: 5,
      messageEncoding: 'base64',
    });
    expect(app.hostJson.extensions.http).toEqual({ routePrefix: 'api' });
  });
});
