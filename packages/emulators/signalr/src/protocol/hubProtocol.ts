import type { WebSocket } from 'ws';

/** The JSON hub protocol's record separator, which ends every message. */
export const recordSeparator = '\u001e';

/** One hub-protocol message as it goes on the wire. */
export function frame(message: unknown): string {
  return `${JSON.stringify(message)}${recordSeparator}`;
}

/** Sends a message if the socket is still open; a closed client just misses it, as with the service. */
export function send(ws: WebSocket | undefined, message: unknown): void {
  if (ws?.readyState === ws?.OPEN) ws?.send(frame(message));
}
