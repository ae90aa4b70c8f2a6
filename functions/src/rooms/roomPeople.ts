import type { Collection } from 'mongodb';
import { collectionNames } from '../settings/settingNames';
import type { Database } from '../storage/mongoDatabase';

interface ProfileDocument {
  /** The user id (the token's subject). */
  readonly _id: string;
  readonly name: string;
  readonly updatedAt: Date;
}

interface ConnectionDocument {
  /** The SignalR connection id. */
  readonly _id: string;
  readonly userId: string;
  readonly connectedAt: Date;
  /** The connection's last sign of life: connect, any invocation, or `stillHere`. */
  readonly renewedAt: Date;
}

/**
 * How long a connection counts as present without a sign of life. A `disconnected` call that is
 * lost (an instance dying mid-call) would otherwise leave someone online for good; the rows
 * also expire by a TTL index on `_ts` (Cosmos DB), renewed by every write.
 * https://learn.microsoft.com/azure/cosmos-db/mongodb/time-to-live
 */
export const presenceTtlSeconds = 15 * 60;
/** How often a client says it is still here: well inside the TTL, so one lost call does not matter. */
export const presenceRenewSeconds = 5 * 60;
const renewWritesEveryMs = 60_000;

/**
 * People in rooms: their display names (from negotiate) and presence, from the rooms hub's connection events: one document per open connection. A user is
 * online while any of theirs is open, so two tabs stay online until both close, whichever
 * instance handled which event.
 */
export class RoomPeople {
  /** When this instance last wrote each connection's sign of life. */
  private readonly renewed = new Map<string, number>();

  constructor(private readonly database: Database) {}

  private remember(connectionId: string, at: Date): void {
    this.renewed.delete(connectionId);
    this.renewed.set(connectionId, at.getTime());
    // Bounded: the longest-quiet connections are forgotten first (their next renewal writes).
    if (this.renewed.size > 10_000) this.renewed.delete(this.renewed.keys().next().value as string);
  }

  private async connections(): Promise<Collection<ConnectionDocument>> {
    return (await this.database()).collection<ConnectionDocument>(collectionNames.roomConnections);
  }

  /** The display name a user's token gave at negotiate, which joining records beside the member. */
  async rememberName(userId: string, name: string, at: Date): Promise<void> {
    await (await this.database())
      .collection<ProfileDocument>(collectionNames.roomProfiles)
      .updateOne({ _id: userId }, { $set: { name, updatedAt: at } }, { upsert: true });
  }

  async nameOf(userId: string): Promise<string> {
    const profile = await (await this.database())
      .collection<ProfileDocument>(collectionNames.roomProfiles)
      .findOne({ _id: userId });
    return profile?.name ?? userId;
  }

  async connected(connectionId: string, userId: string, at: Date): Promise<void> {
    this.remember(connectionId, at);
    await (await this.connections()).updateOne(
      { _id: connectionId },
      { $set: { userId, connectedAt: at, renewedAt: at } },
      { upsert: true },
    );
  }

  /** A sign of life from an open connection: its presence lasts another TTL. */
  async renew(connectionId: string, userId: string, at: Date): Promise<void> {
    // At most one write a minute per connection from this instance: every invocation renews, and
    // a vote a second must not cost a write a second (the TTL is 15 minutes).
    const last = this.renewed.get(connectionId);
    if (last !== undefined && at.getTime() - last < renewWritesEveryMs) return;
    this.remember(connectionId, at);
    await (await this.connections()).updateOne(
      { _id: connectionId },
      { $set: { userId, renewedAt: at }, $setOnInsert: { connectedAt: at } },
      { upsert: true },
    );
  }

  async disconnected(connectionId: string): Promise<void> {
    this.renewed.delete(connectionId);
    await (await this.connections()).deleteOne({ _id: connectionId });
  }

  /** Which of these users have a connection open that showed life within the TTL. */
  async online(userIds: readonly string[], at: Date): Promise<string[]> {
    if (userIds.length === 0) return [];
    const since = new Date(at.getTime() - presenceTtlSeconds * 1000);
    const open = await (await this.connections())
      .find(
        { userId: { $in: [...userIds] }, renewedAt: { $gte: since } },
        { projection: { userId: 1 } },
      )
      .toArray();
    const present = new Set(open.map((connection) => connection.userId));
    return userIds.filter((userId) => present.has(userId));
  }
}
