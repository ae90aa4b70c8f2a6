import { MongoCommandError, mongoErrors } from '../protocol/mongoError';
import type { Document } from '../protocol/wireProtocol';
import { Cursors, Databases, type EngineState } from '../state/engineState';
import { adminCommands } from './adminCommands';
import type { CommandHandler } from './commandHandler';
import { readCommands } from './readCommands';
import { writeCommands } from './writeCommands';

/** The server's state (databases and open cursors) and the commands it answers. */
export class MongoEngine {
  private readonly state: EngineState = { databases: new Databases(), cursors: new Cursors() };
  private readonly handlers: Record<string, CommandHandler> = {
    ...adminCommands(this.state),
    ...readCommands(this.state),
    ...writeCommands(this.state),
  };
  private nextConnectionId = 1;

  newConnectionId(): number {
    return this.nextConnectionId++;
  }

  /** Runs one command document; failures come back as `{ok: 0, ...}` documents, never throws. */
  run(command: Document, connectionId: number): Document {
    const name = Object.keys(command)[0] ?? '';
    const database = typeof command.$db === 'string' ? command.$db : 'admin';
    try {
      const handler = this.handlers[name] ?? this.handlers[name.toLowerCase()];
      if (!handler) throw mongoErrors.commandNotFound(name);
      return { ...handler(command, database, connectionId), ok: 1 };
    } catch (error) {
      if (error instanceof MongoCommandError) return error.toDocument();
      return {
        ok: 0,
        errmsg: error instanceof Error ? error.message : String(error),
        code: 1,
        codeName: 'InternalError',
      };
    }
  }
}
