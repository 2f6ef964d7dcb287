import type { DirectoryRecord } from '../model/directoryStream';

/** Copies so callers cannot mutate the store behind the change log's back. */
export function snapshot<P extends { id: string }>(record: DirectoryRecord<P>): P {
  return structuredClone(record.properties);
}
