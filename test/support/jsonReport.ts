import { JsonReporter } from 'vitest/reporters';

/**
 * vitest's JSON report plus the run's unhandled errors (an unawaited rejection, an error thrown
 * after a test ended), which the built-in one leaves out although they fail the run: .ci/test-summary.mjs
 * counts them.
 */
export default class JsonReportWithUnhandledErrors extends JsonReporter {
  private unhandled: unknown[] = [];

  override async onFinished(files?: Parameters<JsonReporter['onFinished']>[0], errors: unknown[] = [], coverageMap?: unknown): Promise<void> {
    this.unhandled = errors;
    await super.onFinished(files, errors, coverageMap);
  }

  override async writeReport(report: string): Promise<void> {
    const withErrors = { ...JSON.parse(report), unhandledErrors: this.unhandled.map(firstLine) };
    await super.writeReport(JSON.stringify(withErrors));
  }
}

function firstLine(error: unknown): string {
  const e = error as { name?: string; message?: string } | null;
  const text = e && typeof e === 'object' ? `${e.name ?? 'Error'}: ${e.message ?? ''}` : String(error);
  return text.split('\n', 1)[0]!;
}
