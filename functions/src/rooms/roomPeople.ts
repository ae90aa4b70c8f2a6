import type { Collection } from 'mongodb';
import type { Database } from '../platform/mongoDatabase';
import { collectionNames } from '../platform/settingNames';

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
}

/**
 * People in rooms: their display names (from negotiate) and presence, from the rooms hub's connection events: one document per open connection. A user is
 * online while any of theirs is open, so two tabs stay online until both close, whichever
 * instance handled which event.
 */
export class RoomPeople {
  constructor(private readonly database: Database) {}

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
    await (await this.connections()).updateOne(
      { _id: connectionId },
      { $set: { userId, connectedAt: at } },
      { upsert: true },
    );
  }

  async disconnected(connectionId: string): Promise<void> {
    await (await this.connections()).deleteOne({ _id: connectionId });
  }

  /** Which of these users have a connection open. */
  async online(userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const open = await (await this.connections())
      .find({ userId: { $in: [...userIds] } }, { projection: { userId: 1 } })
      .toArray();
    const present = new Set(open.map((connection) => connection.userId));
    return userIds.filter((userId) => present.has(userId));
  }
}
