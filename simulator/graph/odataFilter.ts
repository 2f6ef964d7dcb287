// The slice of OData $filter the simulated endpoints accept: comparisons of one property path
// with a literal, joined all by `and` or all by `or`. Date-times are unquoted UTC literals, as
// Graph wants them for audit logs (`activityDateTime ge 2026-01-01T00:00:00Z`).

import type { Resolution } from './queryOptions';

export type FilterPropertyType = 'string' | 'boolean' | 'number' | 'dateTime';

/** Filterable property paths (slash-separated, e.g. initiatedBy/user/id) and their types. */
export type FilterableProperties = Readonly<Record<string, FilterPropertyType>>;

export type FilterPredicate = (item: object) => boolean;

type Operator = 'eq' | 'ne' | 'ge' | 'gt' | 'le' | 'lt';
type Literal = string | number | boolean | null;

const COMPARISON = /^\s*([A-Za-z][\w/]*)\s+(eq|ne|ge|gt|le|lt)\s+(.+?)\s*$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseFilter(raw: string, properties: FilterableProperties): Resolution<FilterPredicate> {
  const joiners = new Set((raw.match(/\s+(and|or)\s+(?=(?:[^']*'[^']*')*[^']*$)/gi) ?? []).map((j) => j.trim().toLowerCase()));
  if (joiners.size > 1) return unsupported('mixing "and" and "or"');
  const joiner = joiners.has('or') ? 'or' : 'and';
  const clauses = raw.split(new RegExp(`\\s+${joiner}\\s+(?=(?:[^']*'[^']*')*[^']*$)`, 'i'));
  const tests: FilterPredicate[] = [];
  for (const clause of clauses) {
    const match = COMPARISON.exec(clause);
    if (!match) return invalid(clause);
    const path = canonicalPath(match[1] as string, properties);
    if (!path) return unsupported(`filtering on '${match[1]}'`);
    const type = properties[path] as FilterPropertyType;
    const operator = (match[2] as string).toLowerCase() as Operator;
    const literal = parseLiteral(match[3] as string, type);
    if (!literal.ok) return literal;
    if (operator !== 'eq' && operator !== 'ne' && type !== 'dateTime' && type !== 'number') return unsupported(`'${operator}' on '${path}'`);
    tests.push(comparison(path.split('/'), operator, literal.value, type));
  }
  const predicate: FilterPredicate = joiner === 'and' ? (item) => tests.every((test) => test(item)) : (item) => tests.some((test) => test(item));
  return { ok: true, value: predicate };
}

function canonicalPath(path: string, properties: FilterableProperties): string | undefined {
  const lower = path.toLowerCase();
  return Object.keys(properties).find((name) => name.toLowerCase() === lower);
}

function parseLiteral(text: string, type: FilterPropertyType): Resolution<Literal> {
  if (text === 'null') return { ok: true, value: null };
  switch (type) {
    case 'dateTime':
      if (!DATE_TIME.test(text)) {
        return { ok: false, message: `Invalid filter clause: '${text}' is not an unquoted date-time literal such as 2026-01-01T00:00:00Z.` };
      }
      return { ok: true, value: Date.parse(text) };
    case 'boolean':
      return text === 'true' || text === 'false' ? { ok: true, value: text === 'true' } : { ok: false, message: `Invalid filter clause: '${text}' is not a boolean.` };
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text) ? { ok: true, value: Number(text) } : { ok: false, message: `Invalid filter clause: '${text}' is not a number.` };
    case 'string':
      if (!/^'(?:[^']|'')*'$/.test(text)) return { ok: false, message: `Invalid filter clause: string literals need single quotes: ${text}` };
      return { ok: true, value: text.slice(1, -1).replace(/''/g, "'") };
  }
}

function comparison(path: string[], operator: Operator, literal: Literal, type: FilterPropertyType): FilterPredicate {
  return (item) => {
    let value: unknown = item;
    for (const segment of path) value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[segment];
    if (value === undefined) value = null;
    if (type === 'dateTime' && typeof value === 'string') value = Date.parse(value);
    if (literal === null || value === null) return operator === 'eq' ? value === literal : operator === 'ne' ? value !== literal : false;
    if (type === 'string') {
      // Graph compares directory strings case-insensitively.
      const equal = String(value).toLowerCase() === String(literal).toLowerCase();
      return operator === 'eq' ? equal : !equal;
    }
    const a = value as number | boolean;
    const b = literal;
    switch (operator) {
      case 'eq':
        return a === b;
      case 'ne':
        return a !== b;
      case 'ge':
        return a >= b;
      case 'gt':
        return a > b;
      case 'le':
        return a <= b;
      case 'lt':
        return a < b;
    }
  };
}

function unsupported(what: string): Resolution<never> {
  return { ok: false, unsupported: true, message: `Unsupported query: ${what} is not supported (simulator).` };
}

function invalid(clause: string): Resolution<never> {
  return { ok: false, message: `Invalid filter clause: '${clause.trim()}'.` };
}
