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
