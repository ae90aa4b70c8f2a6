/**
 * The one error type that crosses layers. Domain code throws it with a `code`; the HTTP wrapper
 * (`guardHttp`) maps the code to a status and never echoes anything else.
 */
export type AppErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'internal'
  | 'unavailable'
  /** A command for a device that is not connected. */
  | 'device_offline'
  /** A device that did not answer a command in time. */
  | 'device_timeout';

export class AppError extends Error {
  override readonly name = 'AppError';

  /** Response headers that belong to the error, such as a 401's `WWW-Authenticate`. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: AppErrorCode,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options);
    this.headers = options?.headers ?? {};
  }

  toJSON(): { error: { code: AppErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}
