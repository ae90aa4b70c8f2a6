/**
 * A command failure as a MongoDB server reports it: `{ ok: 0, errmsg, code, codeName }`. The
 * official driver turns that into a `MongoServerError` carrying the same code.
 */
export class MongoCommandError extends Error {
  override readonly name = 'MongoCommandError';

  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(message);
  }

  toDocument(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName };
  }
}

// Codes and names as the server defines them (src/mongo/base/error_codes.yml).
export const mongoErrors = {
  badValue: (message: string) => new MongoCommandError(2, 'BadValue', message),
  failedToParse: (message: string) => new MongoCommandError(9, 'FailedToParse', message),
  typeMismatch: (message: string) => new MongoCommandError(14, 'TypeMismatch', message),
  namespaceNotFound: (message: string) => new MongoCommandError(26, 'NamespaceNotFound', message),
  cursorNotFound: (id: number) =>
    new MongoCommandError(43, 'CursorNotFound', `cursor id ${id} not found`),
  namespaceExists: (message: string) => new MongoCommandError(48, 'NamespaceExists', message),
  commandNotFound: (name: string) =>
    new MongoCommandError(
      59,
      'CommandNotFound',
      `no such command: '${name}' (the fieldline MongoDB stand-in implements only the commands fieldline uses; set MONGODB_URI to use a real server)`,
    ),
  indexOptionsConflict: (message: string) =>
    new MongoCommandError(85, 'IndexOptionsConflict', message),
  indexKeySpecsConflict: (message: string) =>
    new MongoCommandError(86, 'IndexKeySpecsConflict', message),
  notImplemented: (what: string) =>
    new MongoCommandError(
      238,
      'NotImplemented',
      `${what} is not supported by the fieldline MongoDB stand-in; set MONGODB_URI to use a real server`,
    ),
  noQueryExecutionPlans: (message: string) =>
    new MongoCommandError(291, 'NoQueryExecutionPlans', message),
  duplicateKey: (message: string) => new MongoCommandError(11000, 'DuplicateKey', message),
  cannotExtractGeoKeys: (message: string) => new MongoCommandError(16755, 'Location16755', message),
  unknownStage: (name: string) =>
    new MongoCommandError(
      40324,
      'Location40324',
      `Unrecognized pipeline stage name: '${name}' (not supported by the fieldline MongoDB stand-in)`,
    ),
  unknownOperator: (name: string) =>
    new MongoCommandError(
      2,
      'BadValue',
      `unknown operator: ${name} (not supported by the fieldline MongoDB stand-in)`,
    ),
  unknownExpression: (name: string) =>
    new MongoCommandError(
      168,
      'InvalidPipelineOperator',
      `Unrecognized expression '${name}' (not supported by the fieldline MongoDB stand-in)`,
    ),
} as const;
