/** A whole request as a client sent it, and a short name for it (none for bytes that are not one). */
export interface Frame {
  readonly bytes: Buffer;
  readonly request?: string;
  /** For an HTTP request, the bytes of its body. */
  readonly bodyBytes?: number;
}

/** Splits what a client sends into whole requests; throws on bytes that break the protocol. */
export interface FrameReader {
  push(chunk: Buffer): Frame[];
}

/** No framing: every chunk is passed on as it came. */
export function rawFrames(): FrameReader {
  return { push: (chunk) => [{ bytes: chunk }] };
}

const crlf = Buffer.from('\r\n');
const headEnd = Buffer.from('\r\n\r\n');
// Far above any request these clients send; a length past it means the stream is not HTTP.
const maxHeadBytes = 64 * 1024;

/**
 * HTTP/1.1 requests on a keep-alive connection (RFC 9112 §6): the head, then a body of
 * `Content-Length` bytes or in chunks. After a request that upgrades the connection (a WebSocket),
 * the rest is passed on as it comes.
 */
export function httpRequestFrames(): FrameReader {
  let pieces: Buffer[] = [];
  let pendingBytes = 0;
  // Once a head names its body's length, nothing is joined or parsed until that much is here.
  let awaitingBytes = 0;
  let upgraded = false;
  return {
    push(chunk) {
      if (upgraded) return [{ bytes: chunk }];
      pieces.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < awaitingBytes) return [];
      let pending = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
      const frames: Frame[] = [];
      awaitingBytes = 0;
      for (;;) {
        const request = completeHttpRequest(pending);
        if (!request) break;
        if ('awaiting' in request) {
          awaitingBytes = request.awaiting;
          break;
        }
        frames.push({
          bytes: pending.subarray(0, request.length),
          request: request.line,
          bodyBytes: request.length - request.bodyStart,
        });
        pending = pending.subarray(request.length);
        if (request.upgrade) {
          upgraded = true;
          if (pending.length > 0) frames.push({ bytes: pending });
          pending = Buffer.alloc(0);
          break;
        }
      }
      pieces = pending.length > 0 ? [pending] : [];
      pendingBytes = pending.length;
      return frames;
    },
  };
}

function completeHttpRequest(
  buffer: Buffer,
):
  | { length: number; bodyStart: number; line: string; upgrade: boolean }
  | { awaiting: number }
  | undefined {
  const end = buffer.indexOf(headEnd);
  if (end < 0) {
    if (buffer.length > maxHeadBytes) throw new Error('no end of HTTP head');
    return undefined;
  }
  const [line = '', ...fields] = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const field of fields) {
    const colon = field.indexOf(':');
    if (colon > 0)
      headers.set(field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim());
  }
  const bodyStart = end + headEnd.length;
  const upgrade = headers.has('upgrade');
  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) {
    const length = chunkedBodyEnd(buffer, bodyStart);
    return length === undefined ? undefined : { length, bodyStart, line, upgrade };
  }
  const contentLength = Number(headers.get('content-length') ?? 0);
  if (!Number.isSafeInteger(contentLength) || contentLength < 0)
    throw new Error(`bad Content-Length in "${line}"`);
  const length = bodyStart + contentLength;
  return buffer.length >= length ? { length, bodyStart, line, upgrade } : { awaiting: length };
}

/** Where a chunked body (RFC 9112 §7.1) that starts at `offset` ends, if all of it is here. */
function chunkedBodyEnd(buffer: Buffer, offset: number): number | undefined {
  let position = offset;
  for (;;) {
    const lineEnd = buffer.indexOf(crlf, position);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(
      buffer.subarray(position, lineEnd).toString('latin1').split(';')[0] ?? '',
      16,
    );
    if (!Number.isSafeInteger(size) || size < 0) throw new Error('bad chunk size');
    position = lineEnd + crlf.length;
    if (size === 0) {
      // Trailer fields, if any, then an empty line.
      if (buffer.length < position + crlf.length) return undefined;
      if (buffer.subarray(position, position + crlf.length).equals(crlf))
        return position + crlf.length;
      const trailersEnd = buffer.indexOf(headEnd, position);
      return trailersEnd < 0 ? undefined : trailersEnd + headEnd.length;
    }
    position += size + crlf.length;
    if (buffer.length < position) return undefined;
  }
}

// The wire protocol's header is 16 bytes; the server refuses messages over 48 MB.
const mongoHeaderBytes = 16;
const maxMongoMessageBytes = 48_000_000;
const opMsg = 2013;

/**
 * MongoDB wire protocol messages: each starts with its total length (int32, little endian). An
 * OP_MSG is named by its command, the first field of its body document.
 */
export function mongoMessageFrames(): FrameReader {
  let pending: Buffer = Buffer.alloc(0);
  return {
    push(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const frames: Frame[] = [];
      while (pending.length >= 4) {
        const length = pending.readInt32LE(0);
        if (length < mongoHeaderBytes || length > maxMongoMessageBytes)
          throw new Error(`a MongoDB message cannot be ${length} bytes long`);
        if (pending.length < length) break;
        const bytes = pending.subarray(0, length);
        frames.push({ bytes, request: mongoCommandName(bytes) });
        pending = pending.subarray(length);
      }
      return frames;
    },
  };
}

function mongoCommandName(message: Buffer): string {
  const opCode = message.readInt32LE(12);
  // OP_MSG: flag bits (4), then a kind-0 section: its BSON document's size (4), first element type (1), name.
  const nameStart = mongoHeaderBytes + 4 + 1 + 4 + 1;
  if (opCode !== opMsg || message.length <= nameStart || message[mongoHeaderBytes + 4] !== 0)
    return `op ${opCode}`;
  const nameEnd = message.indexOf(0, nameStart);
  return nameEnd < 0 ? `op ${opCode}` : message.subarray(nameStart, nameEnd).toString('utf8');
}
