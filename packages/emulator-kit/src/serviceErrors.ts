import type http from 'node:http';
import { BodyTooLargeError } from './httpServer';

/** An error as a service reports it: the HTTP status, its error code, and the words. */
export interface ServiceError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** How one service words its errors. */
export interface ServiceErrorShape {
  /** Writes the error as the service does: its body and its headers. */
  send(response: http.ServerResponse, error: ServiceError): void;
  /** The service's error for something a handler threw; undefined leaves it to the defaults. */
  classify?(thrown: unknown): ServiceError | undefined;
  /** What an unexpected failure is answered with. */
  readonly internal: ServiceError;
}

/**
 * The request listener of an emulator's HTTP server: runs `handle`, and answers whatever it throws
 * in the service's own error shape (a body over the limit is a 413 unless the service says
 * otherwise). One factory, so every emulator maps errors the same way.
 */
export function serviceRequestListener(
  handle: (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void>,
  shape: ServiceErrorShape,
): http.RequestListener {
  return (request, response) => {
    handle(request, response).catch((thrown: unknown) => {
      // Part of an answer is out: the client sees the connection end rather than two answers.
      if (response.headersSent) return void response.destroy();
      const error =
        shape.classify?.(thrown) ??
        (thrown instanceof BodyTooLargeError
          ? { status: 413, code: 'RequestEntityTooLarge', message: thrown.message }
          : shape.internal);
      shape.send(response, error);
    });
  };
}
