import { type Env, readMongodbUri } from '../settings/settingReaders';

export interface RoomsConfig {
  readonly mongodbUri: string;
}

/** Collaborative rooms; absent without MONGODB_URI. */
export function readSettings(env: Env, problems: string[]): RoomsConfig | undefined {
  const mongodbUri = readMongodbUri(env, problems);
  return mongodbUri ? { mongodbUri } : undefined;
}
