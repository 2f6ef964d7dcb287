import type { SimRequest, SimResponse } from './simRequest';

export type RouteParams = Readonly<Record<string, string>>;
export type RouteHandler = (request: SimRequest, params: RouteParams) => SimResponse | Promise<SimResponse>;

export type RouteMatch =
  | { kind: 'found'; handler: RouteHandler; params: RouteParams }
  | { kind: 'methodNotAllowed'; allowed: string[] }
  | { kind: 'notFound' };

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

/**
 * Minimal path router: `/v1.0/users/:id` style patterns, literal segments matched
 * case-insensitively (Graph paths are), parameters URL-decoded.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method: method.toUpperCase(), segments: splitPath(pattern), handler });
    return this;
  }

  match(method: string, pathname: string): RouteMatch {
    const segments = splitPath(pathname);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === method.toUpperCase()) return { kind: 'found', handler: route.handler, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: 'methodNotAllowed', allowed } : { kind: 'notFound' };
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index++) {
    const expected = pattern[index] as string;
    const given = actual[index] as string;
    if (expected.startsWith(':')) {
      try {
        params[expected.slice(1)] = decodeURIComponent(given);
      } catch {
        return undefined;
      }
    } else if (expected.toLowerCase() !== given.toLowerCase()) {
      return undefined;
    }
  }
  return params;
}
