import { BSON } from 'mongodb';

// The MongoDB wire protocol (mongodb.com/docs/manual/reference/mongodb-wire-protocol/): a
// 16-byte header, then an opcode-specific body. Drivers use OP_QUERY only for the first handshake
// and OP_MSG for everything else.
export const opCodes = { reply: 1, query: 2004, compressed: 2012, msg: 2013 } as const;

const headerBytes = 16;
const checksumPresent = 1;
export const moreToCome = 2;

export interface MessageHeader {
  readonly length: number;
  readonly requestId: number;
  readonly responseTo: number;
  readonly opCode: number;
}

export type Document = Record<string, unknown>;

export type IncomingMessage =
  | {
      readonly kind: 'msg';
      readonly header: MessageHeader;
      readonly flags: number;
      readonly command: Document;
    }
  | {
      readonly kind: 'query';
      readonly header: MessageHeader;
      readonly collection: string;
      readonly query: Document;
    }
  | { readonly kind: 'unsupported'; readonly header: MessageHeader };

/** Splits complete messages off the front of a connection's buffer; returns what is left over. */
export function takeMessages(buffer: Buffer): { messages: IncomingMessage[]; rest: Buffer } {
  const messages: IncomingMessage[] = [];
  let offset = 0;
  while (buffer.length - offset >= 4) {
    const length = buffer.readInt32LE(offset);
    if (length < headerBytes) throw new Error(`invalid message length ${length}`);
    if (buffer.length - offset < length) break;
    messages.push(parseMessage(buffer.subarray(offset, offset + length)));
    offset += length;
  }
  return { messages, rest: buffer.subarray(offset) };
}

function parseMessage(message: Buffer): IncomingMessage {
  const header: MessageHeader = {
    length: message.readInt32LE(0),
    requestId: message.readInt32LE(4),
    responseTo: message.readInt32LE(8),
    opCode: message.readInt32LE(12),
  };
  if (header.opCode === opCodes.msg) {
    const flags = message.readUInt32LE(headerBytes);
    const end = flags & checksumPresent ? message.length - 4 : message.length;
    let offset = headerBytes + 4;
    let command: Document | undefined;
    const sequences: [string, Document[]][] = [];
    while (offset < end) {
      const kind = message.readUInt8(offset);
      offset += 1;
      if (kind === 0) {
        const size = message.readInt32LE(offset);
        command = BSON.deserialize(message.subarray(offset, offset + size));
        offset += size;
      } else if (kind === 1) {
        const size = message.readInt32LE(offset);
        const sectionEnd = offset + size;
        const nameEnd = message.indexOf(0, offset + 4);
        const identifier = message.toString('utf8', offset + 4, nameEnd);
        const documents: Document[] = [];
        let at = nameEnd + 1;
        while (at < sectionEnd) {
          const docSize = message.readInt32LE(at);
          documents.push(BSON.deserialize(message.subarray(at, at + docSize)));
          at += docSize;
        }
        sequences.push([identifier, documents]);
        offset = sectionEnd;
      } else throw new Error(`unknown OP_MSG section kind ${kind}`);
    }
    if (!command) throw new Error('OP_MSG without a body section');
    for (const [identifier, documents] of sequences) command[identifier] = documents;
    return { kind: 'msg', header, flags, command };
  }
  if (header.opCode === opCodes.query) {
    let offset = headerBytes + 4;
    const nameEnd = message.indexOf(0, offset);
    const collection = message.toString('utf8', offset, nameEnd);
    offset = nameEnd + 1 + 8; // numberToSkip, numberToReturn
    const size = message.readInt32LE(offset);
    const query = BSON.deserialize(message.subarray(offset, offset + size));
    return { kind: 'query', header, collection, query };
  }
  return { kind: 'unsupported', header };
}

let nextRequestId = 1;

function frame(opCode: number, responseTo: number, body: Buffer): Buffer {
  const header = Buffer.alloc(headerBytes);
  header.writeInt32LE(headerBytes + body.length, 0);
  header.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, body]);
}

/** An OP_MSG reply with a single body section. */
export function msgReply(responseTo: number, document: Document): Buffer {
  const flagsAndKind = Buffer.alloc(5); // flagBits 0, section kind 0
  return frame(opCodes.msg, responseTo, Buffer.concat([flagsAndKind, BSON.serialize(document)]));
}

/** An OP_REPLY carrying one document, the answer to a legacy OP_QUERY handshake. */
export function queryReply(responseTo: number, document: Document): Buffer {
  const fields = Buffer.alloc(20); // responseFlags, cursorID (int64), startingFrom, numberReturned
  fields.writeInt32LE(1, 16);
  return frame(opCodes.reply, responseTo, Buffer.concat([fields, BSON.serialize(document)]));
}
