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
export { type AppRole, appRoleNames } from './identity/appRoles';
export type { Authenticate } from './identity/tokenVerifier';
export {
  type GatewayConfig,
  loadConfig,
  type SearchConfig,
  type StorageConnection,
} from './platform/config';
export { dataPlaneVersions } from './platform/dataPlaneVersions';
export { type DeadLetter, DeadLetterStore } from './platform/deadLetterStore';
export type {
  EventHubFunctionDefinition,
  FunctionDefinition,
  HttpFunctionDefinition,
  SignalRFunctionDefinition,
  StorageQueueFunctionDefinition,
  TimerFunctionDefinition,
} from './platform/functionDefinition';
export { hashGuid } from './platform/hashGuid';
export { guardHttp } from './platform/httpGuard';
export { createMongoDatabase } from './platform/mongoDatabase';
export { createQueueClientFactory } from './platform/queueClientFactory';
export { containerNames, queueNames, settingNames, tableNames } from './platform/settingNames';
export { signalRTriggerHandler } from './platform/signalRTrigger';
export { createTableClientFactory } from './platform/tableClientFactory';
export { type AccessKeyClaims, signAccessToken } from './realtime/serviceToken';
export { roomUserId } from './rooms/roomUserId';
export { createServices, deadLetteringFunctions } from './services';
