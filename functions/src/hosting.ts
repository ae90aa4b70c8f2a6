/**
 * What hosts and tools outside the function app use of it: the definitions and services both hosts
 * run, the settings they read, and the contracts the local stand-ins share with the app (role
 * names, SignalR access tokens, the event feed). the hosts, tools and simulator import the function app only from here,
 * which `test/architecture/layers.test.ts` checks; tests and benchmarks may reach further in.
 */
export { type CatalogSearch, createCatalogSearch } from './catalog/catalogSearch';
export { CatalogStore } from './catalog/catalogStore';
export { parseTrack, type Track, trackFields } from './catalog/track';
export { createFunctionDefinitions } from './functionDefinitions';
export { createDeviceMessageProxy } from './gateway/deviceMessageProxy';
export { createDeviceRegistry } from './gateway/deviceRegistry';
export type { EventFeedSource, FeedEvent } from './gateway/eventFeed';
export { createHubAuthorization, sasToken } from './gateway/iotHubRest';
export type {
  EventHubFunctionDefinition,
  FunctionDefinition,
  HttpFunctionDefinition,
  SignalRFunctionDefinition,
  StorageQueueFunctionDefinition,
  TimerFunctionDefinition,
} from './host/functionDefinition';
export { guardHttp } from './host/httpGuard';
export { signalRTriggerHandler } from './host/signalRTrigger';
export { type AppRole, appRoleNames } from './identity/appRoles';
export type { Authenticate } from './identity/tokenVerifier';
export { type AccessKeyClaims, signAccessToken } from './realtime/serviceToken';
export { roomUserId } from './rooms/roomUserId';
export { createServices, deadLetteringFunctions } from './services';
export {
  type GatewayConfig,
  loadConfig,
  type SearchConfig,
  type StorageConnection,
} from './settings/config';
export { dataPlaneVersions } from './settings/dataPlaneVersions';
export { hashGuid } from './settings/hashGuid';
export { containerNames, queueNames, settingNames, tableNames } from './settings/settingNames';
export { type DeadLetter, DeadLetterStore } from './storage/deadLetterStore';
export { createMongoDatabase } from './storage/mongoDatabase';
export { createQueueClientFactory } from './storage/queueClientFactory';
export { createTableClientFactory } from './storage/tableClientFactory';
