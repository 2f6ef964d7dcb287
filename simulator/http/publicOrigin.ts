/**
 * The https://localhost:PORT origin clients see. Known only once the server listens
 * (port 0 picks a free port), so handlers read it at request time.
 */
export class PublicOrigin {
  private value: string | undefined;

  set(port: number): void {
    this.value = `https://localhost:${port}`;
  }

  get url(): string {
    if (!this.value) throw new Error('the simulator is not listening yet');
    return this.value;
  }
}
