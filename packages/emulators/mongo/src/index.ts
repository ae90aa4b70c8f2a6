import type { RunningEmulator } from '@fieldline/emulator-kit';
import { startMongoServer } from './mongoServer';

export { type RunningMongo, startMongoServer } from './mongoServer';
export { earthRadiusMeters, sphericalDistanceMeters } from './state/aggregation';

export interface MongoEmulatorOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** The database the URI names; the emulator serves any database a client asks for. */
  readonly database?: string;
}

/** Starts the MongoDB emulator; `urls.mongodb` is a URI for the official driver. */
export async function start(options: MongoEmulatorOptions = {}): Promise<RunningEmulator> {
  const mongo = await startMongoServer(options.port ?? 0, options.database);
  return { urls: { mongodb: mongo.uri }, stop: () => mongo.stop() };
}
