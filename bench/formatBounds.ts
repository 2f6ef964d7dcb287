import type { PartBound } from './runBounds';

/** The text report's bound lines: the run, then each part that sent Graph requests. */
export function formatBounds(bound: { run: PartBound; parts: PartBound[] }): string[] {
  const lines = [`  bound (what Graph allows; mean measured round trip ${bound.run.meanRoundTripMs.toFixed(1)} ms):`];
  for (const part of [bound.run, ...bound.parts]) {
    const measured = part.ms === undefined ? '      -' : `${(part.ms / 1000).toFixed(2).padStart(6)}s`;
    const ratio = part.ratio === undefined ? '    -' : `${part.ratio.toFixed(2).padStart(5)}x`;
    lines.push(
      `  ${part.part.padEnd(28)} ${measured} / ${(part.boundMs / 1000).toFixed(2).padStart(6)}s = ${ratio}` +
        `  [${part.binding}: RU ${part.resourceUnits} -> ${seconds(part.resourceUnitsMs)}, reports ${part.reportRequests} -> ${seconds(part.reportsMs)}, chain ${part.longestChain} x ${part.roundTripMs.toFixed(1)} ms -> ${seconds(part.chainMs)}]`,
    );
  }
  return lines;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}
