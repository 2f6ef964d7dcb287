// Small seeded PRNG so a seed always yields the same tenant, ids and secrets.
// sfc32 is fast, passes PractRand for our purposes, and is trivial to reproduce.

export interface Random {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** True with the given probability. */
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Version-4-shaped GUID drawn from this generator. */
  guid(): string;
  /** String of `length` characters drawn from `alphabet`. */
  string(length: number, alphabet: string): string;
}

/** Hashes any number of string/number parts into a 32-bit seed (cyrb53-style mixing). */
export function hashSeed(...parts: Array<string | number>): number {
  const text = parts.map(String).join('\u0000');
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

/**
 * A generator whose whole 128-bit state is derived from `parts`, so that many streams
 * (one per generated object) do not collide the way 32-bit seeds would (birthday bound
 * ~77k streams). Use distinct parts per purpose, e.g. (seed, 'user', index).
 */
export function createRandomFrom(...parts: Array<string | number>): Random {
  return createSfc32([0, 1, 2, 3].map((word) => hashSeed(...parts, `#${word}`)) as [number, number, number, number]);
}

/**
 * Creates an sfc32 generator from a 32-bit seed. Derive independent streams with
 * `createRandom(hashSeed(seed, 'purpose'))` so adding draws to one purpose
 * never shifts the values of another.
 */
export function createRandom(seed: number): Random {
  return createSfc32([0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0]);
}

function createSfc32(state: [number, number, number, number]): Random {
  let [a, b, c, d] = state;

  const nextUint32 = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32 needs a few rounds to mix a weak seed.
  for (let i = 0; i < 15; i++) nextUint32();

  const next = (): number => nextUint32() / 4294967296;
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));

  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('cannot pick from an empty list');
      return items[int(0, items.length - 1)] as T;
    },
    guid(): string {
      const hex = Array.from({ length: 4 }, () => nextUint32().toString(16).padStart(8, '0')).join('');
      const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    },
    string(length: number, alphabet: string): string {
      let out = '';
      for (let i = 0; i < length; i++) out += alphabet[int(0, alphabet.length - 1)];
      return out;
    },
  };
}
