/**
 * How a delivery run splits what it may have in flight into rounds (ADR 0055): the rounds add up to the
 * lanes exactly (what a crash can leave in doubt never grows), none is larger than asked, and they are
 * as even as can be.
 */
import { describe, expect, it } from 'vitest';
import { roundSizes } from '../../src/jobs/rounds.js';

describe('roundSizes', () => {
  it('splits the lanes into rounds of at most the size asked, as even as can be', () => {
    expect(roundSizes(8, 8)).toEqual([8]);
    expect(roundSizes(8, 2)).toEqual([2, 2, 2, 2]);
    expect(roundSizes(6, 4)).toEqual([3, 3]);
    expect(roundSizes(50, 20)).toEqual([17, 17, 16]);
    expect(roundSizes(32, 10)).toEqual([8, 8, 8, 8]);
  });

  it('one lane, or a round larger than the lanes, is one round of the lanes', () => {
    expect(roundSizes(1, 8)).toEqual([1]);
    expect(roundSizes(4, 50)).toEqual([4]);
  });

  it('never gives an empty round nor more than the lanes, whatever it is asked', () => {
    expect(roundSizes(0, 8)).toEqual([1]);
    expect(roundSizes(5, 0)).toEqual([1, 1, 1, 1, 1]);
    expect(roundSizes(7, 1)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });
});
