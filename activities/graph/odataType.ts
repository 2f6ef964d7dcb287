/** `#microsoft.graph.servicePrincipal` → `servicePrincipal`. */
export function memberType(odataType: unknown): string {
  return typeof odataType === 'string' ? odataType.replace(/^#?microsoft\.graph\./, '') : 'unknown';
}
