/**
 * One line from an error and its causes: libraries wrap the words that explain a failure
 * ("Failed to create schedule" wraps the server's "no mapping defined for search attribute").
 */
export function errorText(err: unknown): string {
  const lines: string[] = [];
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { details, message } = e as { details?: unknown; message?: unknown };
    const text = (typeof details === 'string' && details) || (typeof message === 'string' && message) || String(e);
    const line = text.split(/\r?\n/)[0]?.trim();
    // A wrapper often repeats its cause's words: keep each once.
    if (line && !lines.some((seen) => seen.includes(line))) lines.push(line);
  }
  return lines.join(': ');
}
