/**
 * How a delivery run (the email outbox's, the pushes') splits the work it may have in flight into
 * rounds that run at once (ADR 0055): `lanes` items in flight at most, rounds of about `roundSize`.
 * The sizes add up to `lanes` exactly, so that what a crash can leave in doubt never grows.
 */
export function roundSizes(lanes: number, roundSize: number): number[] {
  const total = Math.max(1, Math.floor(lanes));
  const rounds = Math.ceil(total / Math.max(1, Math.min(Math.floor(roundSize), total)));
  return Array.from({ length: rounds }, (_, i) => Math.floor(total / rounds) + (i < total % rounds ? 1 : 0));
}
