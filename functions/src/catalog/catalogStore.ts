import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import { collectionNames } from '../settings/settingNames';
import type { Database } from '../storage/mongoDatabase';
import type { Track } from './track';

interface TrackDocument extends Omit<Track, 'id'> {
  readonly _id: string;
  readonly updatedAt: Date;
}

const toTrack = ({ _id, updatedAt: _, ...fields }: TrackDocument): Track => ({
  id: _id,
  ...fields,
});

/** The `catalog` collection: the tracks, the source the search index is built from. */
export class CatalogStore {
  constructor(private readonly database: Database) {}

  private async tracks(): Promise<Collection<TrackDocument>> {
    return (await this.database()).collection<TrackDocument>(collectionNames.catalog);
  }

  /** Writes tracks (one round trip for a batch); returns how many were new. */
  async put(tracks: readonly Track[], at: Date): Promise<number> {
    if (tracks.length === 0) return 0;
    const operations: AnyBulkWriteOperation<TrackDocument>[] = tracks.map(({ id, ...fields }) => ({
      replaceOne: {
        filter: { _id: id },
        replacement: { _id: id, ...fields, updatedAt: at },
        upsert: true,
      },
    }));
    const result = await (await this.tracks()).bulkWrite(operations, { ordered: false });
    return result.upsertedCount;
  }

  /** Whether the track was there. */
  async delete(id: string): Promise<boolean> {
    return (await (await this.tracks()).deleteOne({ _id: id })).deletedCount === 1;
  }

  async get(id: string): Promise<Track | undefined> {
    const found = await (await this.tracks()).findOne({ _id: id });
    return found ? toTrack(found) : undefined;
  }

  /** Every track, in id order, a page at a time (for the reindex). */
  async *all(pageSize = 1000): AsyncIterable<Track[]> {
    const tracks = await this.tracks();
    let after = '';
    for (;;) {
      const page = await tracks
        .find(after ? { _id: { $gt: after } } : {})
        .sort({ _id: 1 })
        .limit(pageSize)
        .toArray();
      if (page.length === 0) return;
      yield page.map(toTrack);
      after = (page.at(-1) as TrackDocument)._id;
    }
  }
}
