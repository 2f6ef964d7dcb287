/** What finalize did to one stream's live rows. */
export type Counts = { upserted: number; removed: number };
