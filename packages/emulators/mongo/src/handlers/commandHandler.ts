import type { Document } from '../protocol/wireProtocol';

/** One command: its document and database in, its reply (without `ok`) out; failures throw MongoCommandError. */
export type CommandHandler = (
  command: Document,
  database: string,
  connectionId: number,
) => Document;
