import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

/** Patch ids of the markers patched() recorded, decoded from a history. */
export function patchMarkers(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (!marker) return [];
    return Object.values(marker.details ?? {}).flatMap((payloads) =>
      (payloads.payloads ?? []).map((p) => (defaultPayloadConverter.fromPayload(p) as { id?: string }).id).filter((id): id is string => id !== undefined),
    );
  });
}

/**
 * The patch ids a workflow source passes to patched() or deprecatePatch(): a string literal, or a
 * constant declared with a string literal in the same source.
 */
export function patchIdsIn(source: string): string[] {
  const ids: string[] = [];
  for (const [, arg] of source.matchAll(/\b(?:patched|deprecatePatch)\(\s*([^)]+?)\s*\)/g)) {
    const literal = /^['"`]([^'"`]+)['"`]$/.exec(arg!);
    if (literal) {
      ids.push(literal[1]!);
      continue;
    }
    const declared = new RegExp(`\\bconst\\s+${arg}\\s*=\\s*['"\`]([^'"\`]+)['"\`]`).exec(source);
    if (!declared) throw new Error(`patched(${arg}): cannot find the patch id; pass a string literal or a const declared in the same file`);
    ids.push(declared[1]!);
  }
  return ids;
}
