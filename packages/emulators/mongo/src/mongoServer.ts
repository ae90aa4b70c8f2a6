import net from 'node:net';
import { MongoEngine } from './handlers/commands';
import { moreToCome, msgReply, queryReply, takeMessages } from './protocol/wireProtocol';

export interface RunningMongo {
  readonly port: number;
  /** A `mongodb://` URI for the official driver. */
  readonly uri: string;
  stop(): Promise<void>;
}

/**
 * A MongoDB stand-in on the wire protocol: enough of a standalone server (OP_QUERY and OP_MSG
 * handshakes, CRUD, cursors, indexes with unique enforcement, and the aggregation stages
 * fieldline uses, `$geoNear` included) for the official driver. Data lives in memory.
 */
export async function startMongoServer(port = 0, database = 'fieldline'): Promise<RunningMongo> {
  const engine = new MongoEngine();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const connectionId = engine.newConnectionId();
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      try {
        const { messages, rest } = takeMessages(pending);
        pending = Buffer.from(rest);
        for (const message of messages) {
          if (message.kind === 'msg') {
            const reply = engine.run(message.command, connectionId);
            if (!(message.flags & moreToCome))
              socket.write(msgReply(message.header.requestId, reply));
          } else if (message.kind === 'query') {
            // Only the legacy handshake arrives as OP_QUERY; anything else gets a clear refusal.
            const command = message.collection.endsWith('.$cmd')
              ? message.query
              : { unsupportedLegacyQuery: 1 };
            const reply = engine.run(command, connectionId);
            socket.write(queryReply(message.header.requestId, reply));
          } else {
            socket.write(
              msgReply(message.header.requestId, {
                ok: 0,
                code: 238,
                codeName: 'NotImplemented',
                errmsg: `opcode ${message.header.opCode} is not supported by the fieldline MongoDB stand-in`,
              }),
            );
          }
        }
      } catch {
        socket.destroy(); // a malformed frame: the driver reconnects, as with a real server
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as net.AddressInfo).port;
  return {
    port: actualPort,
    uri: `mongodb://127.0.0.1:${actualPort}/${database}?directConnection=true&retryWrites=false`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
