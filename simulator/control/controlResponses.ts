// Shared plumbing of the /_sim control routes: JSON bodies in, JSON answers out, store errors
// mapped to 400 / 404 / 409.

import { z } from 'zod';
import type { RouteHandler } from '../http/router';
import type { SimRequest, SimResponse } from '../http/simRequest';
import { DirectoryLimitError, InvalidStateError, ObjectNotFoundError } from '../model/simulatorErrors';

export class BadControlRequest extends Error {}

export function parse<T>(schema: z.ZodType<T>, request: SimRequest): T {
  let body: unknown = {};
  if (request.body.trim() !== '') {
    try {
      body = JSON.parse(request.body);
    } catch {
      throw new BadControlRequest('request body is not valid JSON');
    }
  }
  const result = schema.safeParse(body);
  if (!result.success) throw new BadControlRequest(z.prettifyError(result.error));
  return result.data;
}

export function guarded(handler: RouteHandler): RouteHandler {
  return async (request, params) => {
    try {
      return await handler(request, params);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return notFound(error.message);
      if (error instanceof InvalidStateError) return controlError(409, 'Conflict', error.message);
      if (error instanceof DirectoryLimitError) return controlError(400, 'Request_BadRequest', error.message);
      if (error instanceof BadControlRequest || error instanceof RangeError) {
        return controlError(400, 'BadRequest', error.message);
      }
      throw error;
    }
  };
}

export function ok(body: unknown, status = 200): SimResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, json: body };
}

export function noContent(): SimResponse {
  return { status: 204 };
}

export function notFound(message: string): SimResponse {
  return controlError(404, 'NotFound', message);
}

export function controlError(status: number, code: string, message: string): SimResponse {
  return ok({ error: { code, message } }, status);
}
