// The slice of OData $filter the simulated endpoints accept: comparisons of one property path
// with a literal, joined all by `and` or all by `or`. Date-times are unquoted UTC literals, as
// Graph wants them for audit logs (`activityDateTime ge 2026-01-01T00:00:00Z`). An endpoint that
// documents exactly which operators each property takes passes a FilterGrammar: anything else is
// refused as Graph refuses it (Request_UnsupportedQuery), so the connector cannot lean on more.

import type { Resolution } from './queryOptions';

export type FilterPropertyType = 'string' | 'boolean' | 'number' | 'dateTime';

/** Filterable property paths (slash-separated, e.g. initiatedBy/user/id) and their types. */
export type FilterableProperties = Readonly<Record<string, FilterPropertyType>>;

export type FilterPredicate = (item: object) => boolean;

type Operator = 'eq' | 'ne' | 'ge' | 'gt' | 'le' | 'lt';
export type FilterOperator = Operator | 'startswith';
type Literal = string | number | boolean | null;

/** What an endpoint documents: the operators of each property, and how clauses may be joined. */
export type FilterGrammar = {
  operators: Readonly<Record<string, readonly FilterOperator[]>>;
  joiners: readonly ('and' | 'or')[];
  /** Collections filtered through `any` (`targetResources/any(t: t/id eq '…')`); their properties are listed as `targetResources/id`. */
  lambdas?: readonly string[];
};

const COMPARISON = /^\s*([A-Za-z][\w/]*)\s+(eq|ne|ge|gt|le|lt)\s+(.+?)\s*$/i;
const STARTS_WITH = /^\s*startswith\(\s*([A-Za-z][\w/]*)\s*,\s*(.+?)\s*\)\s*$/i;
const ANY = /^\s*([A-Za-z]\w*)\/any\(\s*([A-Za-z]\w*)\s*:\s*(.+)\)\s*$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseFilter(raw: string, properties: FilterableProperties, grammar?: FilterGrammar): Resolution<FilterPredicate> {
  const joiners = new Set((raw.match(/\s+(and|or)\s+(?=(?:[^']*'[^']*')*[^']*$)/gi) ?? []).map((j) => j.trim().toLowerCase()));
  if (joiners.size > 1) return unsupported('mixing "and" and "or"');
  const joiner = joiners.has('or') ? 'or' : 'and';
  if (grammar && joiners.size > 0 && !grammar.joiners.includes(joiner)) return unsupported(`joining filter clauses with '${joiner}'`);
  const clauses = raw.split(new RegExp(`\\s+${joiner}\\s+(?=(?:[^']*'[^']*')*[^']*$)`, 'i'));
  const tests: FilterPredicate[] = [];
  for (const clause of clauses) {
    const test = parseClause(clause, properties, grammar);
    if (!test.ok) return test;
    tests.push(test.value);
  }
  const predicate: FilterPredicate = joiner === 'and' ? (item) => tests.every((test) => test(item)) : (item) => tests.some((test) => test(item));
  return { ok: true, value: predicate };
}

/** One clause: a comparison, `startswith(path, 'text')`, or a documented collection's `any` lambda around either. */
function parseClause(clause: string, properties: FilterableProperties, grammar: FilterGrammar | undefined, lambda?: { collection: string; variable: string }): Resolution<FilterPredicate> {
  const any = lambda ? null : ANY.exec(clause);
  if (any) {
    const collection = canonicalCollection(any[1] as string, grammar);
    if (!collection) return unsupported(`'${(any[1] as string)}/any' in a filter`);
    const inner = parseClause(any[3] as string, properties, grammar, { collection, variable: any[2] as string });
    if (!inner.ok) return inner;
    return { ok: true, value: (item) => elements(item, collection).some((element) => inner.value(element)) };
  }
  const startsWith = STARTS_WITH.exec(clause);
  const match = startsWith ? [startsWith[0], startsWith[1], 'startswith', startsWith[2]] : COMPARISON.exec(clause);
  if (!match) return invalid(clause);
  const written = lambda ? withoutVariable(match[1] as string, lambda) : (match[1] as string);
  if (written === undefined) return invalid(clause);
  const path = canonicalPath(lambda ? `${lambda.collection}/${written}` : written, properties);
  if (!path || (!lambda && grammar?.lambdas?.some((c) => path.startsWith(`${c}/`)))) return unsupported(`filtering on '${match[1]}'`);
  const type = properties[path] as FilterPropertyType;
  const operator = (match[2] as string).toLowerCase() as FilterOperator;
  const literal = parseLiteral(match[3] as string, type);
  if (!literal.ok) return literal;
  const allowed = grammar?.operators[path];
  if (grammar && !allowed?.includes(operator)) return unsupported(`'${operator}' on '${path}'`);
  if (operator === 'startswith') {
    if (type !== 'string' || typeof literal.value !== 'string') return unsupported(`'startswith' on '${path}'`);
    const prefix = literal.value.toLowerCase();
    const segments = lambda ? path.slice(lambda.collection.length + 1).split('/') : path.split('/');
    return { ok: true, value: (item) => { const value = valueAt(item, segments); return typeof value === 'string' && value.toLowerCase().startsWith(prefix); } };
  }
  if (operator !== 'eq' && operator !== 'ne' && type !== 'dateTime' && type !== 'number') return unsupported(`'${operator}' on '${path}'`);
  const segments = lambda ? path.slice(lambda.collection.length + 1).split('/') : path.split('/');
  return { ok: true, value: comparison(segments, operator, literal.value, type) };
}

function canonicalCollection(name: string, grammar: FilterGrammar | undefined): string | undefined {
  return grammar?.lambdas?.find((c) => c.toLowerCase() === name.toLowerCase());
}

/** `t/id` inside `any(t: …)` is the element's `id`. */
function withoutVariable(path: string, lambda: { variable: string }): string | undefined {
  const prefix = `${lambda.variable}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
}

function elements(item: object, collection: string): object[] {
  const value = (item as Record<string, unknown>)[collection];
  return Array.isArray(value) ? value.filter((e): e is object => e !== null && typeof e === 'object') : [];
}

function valueAt(item: object, path: string[]): unknown {
  let value: unknown = item;
  for (const segment of path) value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[segment];
  return value === undefined ? null : value;
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
    let value = valueAt(item, path);
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
