/**
 * The one error type that crosses layers. Domain code throws it with a `code`; the HTTP adapter
 * maps the code to a status through {@link httpStatusByCode} and never echoes anything else.
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
  | 'unavailable';

export const httpStatusByCode: Readonly<Record<AppErrorCode, number>> = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
};

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

  get status(): number {
    return httpStatusByCode[this.code];
  }

  toJSON(): { error: { code: AppErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}
