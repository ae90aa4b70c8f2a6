/** The shape the SignalR output binding accepts; `userId`/`groupName`/`connectionId` narrow the audience. */
export interface SignalRMessage {
  readonly target: string;
  readonly arguments: readonly unknown[];
  readonly userId?: string;
  readonly groupName?: string;
  readonly connectionId?: string;
}

// Serverless sends go through the service's REST API, which takes at most 1 MB of body
// (learn.microsoft.com/azure/azure-signalr/signalr-concept-messages-and-connections). Staying
// well below also keeps clients fast: the service splits large messages into 2 KB frames.
export const maxSignalRMessageBytes = 256 * 1024;

/**
 * One broadcast of `items` to `target`, split into several only if the JSON would exceed
 * {@link maxSignalRMessageBytes}. Each message carries `[items]` as its single argument.
 */
export function broadcastInChunks<T>(
  target: string,
  items: readonly T[],
  maxBytes = maxSignalRMessageBytes,
): SignalRMessage[] {
  if (items.length === 0) return [];
  // The usual case, one message, costs one serialisation instead of one per item.
  if (Buffer.byteLength(JSON.stringify(items), 'utf8') <= maxBytes)
    return [{ target, arguments: [items] }];
  const messages: SignalRMessage[] = [];
  let chunk: T[] = [];
  let size = 0;
  for (const item of items) {
    const itemSize = Buffer.byteLength(JSON.stringify(item), 'utf8') + 1;
    if (chunk.length > 0 && size + itemSize > maxBytes) {
      messages.push({ target, arguments: [chunk] });
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += itemSize;
  }
  messages.push({ target, arguments: [chunk] });
  return messages;
}
