// Errors the tenant store raises; the HTTP layers translate them to status codes.

export class ObjectNotFoundError extends Error {
  constructor(readonly stream: string, readonly id: string) {
    super(`${stream} object ${id} does not exist`);
    this.name = 'ObjectNotFoundError';
  }
}

export class InvalidStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStateError';
  }
}

/** A directory limit would be passed (e.g. the 100 owners of an application); Graph answers 400. */
export class DirectoryLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryLimitError';
  }
}
